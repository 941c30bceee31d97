"""The eval table: per clip and overall, the new detector and the old peak picker side by side.

    clip          n truth | new: P  R  F1@67 F1@33 P@c.5 MAE ms bias ms n pred | old: ...

P, R and F1 are at the loose tolerance; MAE and bias (median signed error, prediction
minus truth, > 0 = late) are over the matches at that tolerance; P@c.5 is the precision
of the predictions with confidence >= 0.5 alone. Plain text for terminals, or Markdown.
`format_specifics_table` is the same for the specifics layer (`foley eval --layer specifics`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from foleystudio.eval.heldout import HeldOutReport
from foleystudio.eval.run import EvalReport
from foleystudio.eval.scoring import Score
from foleystudio.eval.specifics import SpecificsScore
from foleystudio.eval.specifics_run import SpecificsReport
from foleystudio.vision.contacts import ContactConfig

_Column = tuple[str, Callable[[Score], str]]


def format_table(report: EvalReport, *, markdown: bool = False) -> str:
    """The whole report as one table, one row per clip and an overall row (pooled counts)."""
    columns = _score_columns(report)
    header = ["clip", "n truth"] + [f"{m} {c[0]}" if markdown else c[0] for m in ("new", "old") for c in columns]
    rows = [_row(c.name, c.new, c.old, columns) for c in report.clips]
    overall = _row("overall", report.new, report.old, columns)
    if markdown:
        return _markdown(header, rows, overall)
    return _text(header, rows, overall, len(columns), report)


def _score_columns(report: EvalReport) -> list[_Column]:
    loose_ms = round(report.scoring.tolerance_s * 1000)
    strict_ms = round(report.scoring.strict_tolerance_s * 1000)
    return [
        ("P", lambda s: num(s.precision)),
        ("R", lambda s: num(s.recall)),
        (f"F1@{loose_ms}", lambda s: num(s.f1)),
        (f"F1@{strict_ms}", lambda s: num(s.f1_strict)),
        (f"P@c{_short(report.scoring.confident_at)}", lambda s: num(s.precision_confident) if s.n_confident else "-"),
        ("MAE ms", lambda s: _ms(s.mae_ms)),
        ("bias ms", lambda s: _ms(s.bias_ms, signed=True)),
        ("n pred", lambda s: str(s.n_pred)),
    ]


def _row(name: str, new: Score, old: Score, columns: list[_Column]) -> list[str]:
    return [name, str(new.n_truth)] + [fmt(new) for _, fmt in columns] + [fmt(old) for _, fmt in columns]


def _text(header: list[str], rows: list[list[str]], overall: list[str], n_cols: int, report: EvalReport) -> str:
    widths = [max(len(r[i]) for r in [header, overall, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        parts = [cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]
        left = "  ".join(parts[:2])
        new = "  ".join(parts[2 : 2 + n_cols])
        old = "  ".join(parts[2 + n_cols :])
        return f"{left} | {new} | {old}"

    sample = line(header)
    first_bar = sample.index("|")
    second_bar = sample.index("|", first_bar + 1)
    group = (
        " " * (first_bar + 2)
        + "new (vision.contacts)".center(second_bar - first_bar - 3)
        + " | "
        + "old (hip-heel peaks, 10 fps)".center(len(sample) - second_bar - 2)
    )
    rule = "-" * len(sample)
    body = [line(r) for r in rows]
    lines = [group.rstrip(), sample, rule, *body, rule, line(overall)]
    lines += _footer(report)
    return "\n".join(lines)


def _footer(report: EvalReport) -> list[str]:
    cfg = report.scoring
    loose, strict = cfg.tolerance_s * 1000, cfg.strict_tolerance_s * 1000
    return [
        f"tolerance +-{loose:.0f} ms (strict +-{strict:.0f} ms), raised per clip to its own tolerance_s; "
        "optimal one-to-one matching on |dt|; overall pools the counts of all clips",
        f"MAE and bias over the matches at +-{loose:.0f} ms; bias = median(pred - truth), + = late; "
        f"P@c{_short(cfg.confident_at)} = precision of the predictions with confidence >= {cfg.confident_at:g}",
    ]


def format_specifics_table(report: SpecificsReport, *, markdown: bool = False) -> str:
    """The specifics layer's scores, one row per clip and an overall row (pooled counts)."""
    cfg = report.scoring
    loose_ms, strict_ms = round(cfg.tolerance_s * 1000), round(cfg.strict_tolerance_s * 1000)
    header = ["clip", "n truth", "P", "R", f"F1@{loose_ms}", f"F1@{strict_ms}", "MAE ms", "bias ms", "n pred",
              "kind ok", "false/10s"]
    rows = [_specifics_row(c.name + (" (quiet)" if c.quiet else ""), c.score) for c in report.clips]
    overall = _specifics_row("overall", report.overall)
    if markdown:
        return _markdown(header, rows, overall)
    return "\n".join([
        "specifics (vision.actions) against specifics-gt.1",
        *text_table(header, rows, [overall]),
        f"tolerance +-{cfg.tolerance_s * 1000:.0f} ms (strict +-{cfg.strict_tolerance_s * 1000:.0f} ms); optimal "
        "one-to-one matching on |dt|, on time alone; overall pools the counts of all clips",
        "MAE and bias over the matches at the tolerance; bias = median(found - truth), + = late; kind ok = matches "
        "whose truth names a kind that was found as that kind; false/10s = specifics found per 10 s of quiet clips",
    ])


def _specifics_row(name: str, score: SpecificsScore) -> list[str]:
    s = score.score
    kinds = f"{score.kinds_right}/{score.kinds_checked}" if score.kinds_checked else "-"
    return [name, str(s.n_truth), num(s.precision), num(s.recall), num(s.f1), num(s.f1_strict),
            _ms(s.mae_ms), _ms(s.bias_ms, signed=True), str(s.n_pred), kinds, num(score.false_per_10s)]


def text_table(header: list[str], *groups: list[list[str]]) -> list[str]:
    """Lines of an aligned plain-text table: the header, then each group of rows after a rule (first column
    left-aligned, the others right-aligned)."""
    widths = [max(len(r[i]) for r in [header, *(row for g in groups for row in g)]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join([cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])])

    rule = "-" * len(line(header))
    out = [line(header)]
    for group in groups:
        out += [rule, *[line(r) for r in group]]
    return out


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table: the first column left-aligned, the others right-aligned."""
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    out = [line(header), "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    return "\n".join(out + [line(r) for r in rows])


def _markdown(header: list[str], rows: list[list[str]], overall: list[str]) -> str:
    return markdown_table(header, [*rows, [f"**{overall[0]}**", *overall[1:]]])


def num(value: float) -> str:
    """Two decimals, '-' for NaN (a score with nothing to score)."""
    return "-" if math.isnan(value) else f"{value:.2f}"


def _ms(value: float, *, signed: bool = False) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:+.1f}" if signed else f"{value:.1f}"


def _short(value: float) -> str:
    """0.5 -> '.5', 0.75 -> '.75' (narrow column headers)."""
    text = f"{value:g}"
    return text[1:] if text.startswith("0.") else text


def format_held_out(report: HeldOutReport, *, markdown: bool = False) -> str:
    """Per clip and pooled: F1 with the shipped thresholds, fitted on every group, and held out; what each
    fold chose; and the held-out precision by confidence band."""
    def cells(name: str, group: str, c) -> list[str]:
        return [name, group, str(c.shipped.n_truth), num(c.shipped.f1), num(c.fitted.f1), num(c.held_out.f1),
                f"{c.held_out.precision:.2f}/{c.held_out.recall:.2f}"]

    header = ["clip", "group", "n truth", "F1 shipped", "F1 fitted", "F1 held out", "held-out P/R"]
    rows = [cells(c.name, c.group, c) for c in report.clips]
    overall = cells("overall", "", report)
    chosen = [[f.group or "(none: fitted)", ", ".join(f.fitted_on), _moves(f.settings, report.start), num(f.fit_f1)]
              for f in (*report.folds, report.everything)]
    band_header = ["confidence", "n shipped", "P shipped", "n held out", "P held out"]
    band_rows = [[f"{s.low:.1f}-{s.high:.1f}", str(s.n), num(s.precision), str(h.n), num(h.precision)]
                 for s, h in zip(report.bands_shipped, report.bands_held_out)]
    fold_header = ["held out", "thresholds fitted on", "what the fit moved from the shipped settings", "fit F1"]
    if markdown:
        return "\n\n".join([markdown_table(header, [*rows, [f"**{overall[0]}**", *overall[1:]]]),
                            markdown_table(fold_header, chosen), markdown_table(band_header, band_rows)])
    return "\n".join([
        "",
        "held out: the detector's thresholds fitted on the other groups of clips, scored on this one "
        "(a group is the source, the name before its first '_')",
        *text_table(header, rows, [overall]),
        "F1 fitted: the same search on every clip, scored on the clips it was fitted on (flattering); "
        "F1 held out: what footage nobody tuned for can expect",
        "",
        *text_table(fold_header, chosen),
        "",
        "precision by confidence band (held out: each clip's events with the thresholds its fold chose)",
        *text_table(band_header, band_rows),
    ])


def _moves(settings: tuple[tuple[str, float], ...], start: ContactConfig) -> str:
    """'name from->to, ...' of the settings a fit moved from `start`, or 'nothing'."""
    return ", ".join(f"{name} {getattr(start, name):g}->{value:g}" for name, value in settings) or "nothing"
