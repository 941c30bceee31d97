"""Real-footage patches as labelled data: labels, shot truth, and scoring that never sees the held-out footage."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from foleystudio.errors import InputError
from foleystudio.vision.surface.footage import (
    FootagePatch,
    augment_crop,
    footage_weights,
    held_out_proba,
    label_for,
    load_patches,
    shot_truth,
    unseen_by,
)

ANNOTATION = {
    "group": "g",
    "shots": [
        {"start_s": 0.0, "surface": "grass", "also": [], "regions": [{"y_max": 0.5, "surface": "concrete", "also": ["metal"]}]},
        {"start_s": 5.0, "surface": "rubber", "also": ["metal"]},
    ],
}


def _patch(clip: str, group: str, label: str, footage: tuple[str, ...] = ()) -> FootagePatch:
    rgb = np.zeros((8, 8, 3), np.uint8)
    return FootagePatch(clip=clip, shot=0, group=group, footage=frozenset(footage or (group,)), label=label,
                        accepted=frozenset({label}), shot_surface=label, rgb=rgb, mask=np.ones((8, 8), bool))


def test_labels_follow_shots_and_regions():
    assert label_for(ANNOTATION, 1.0, 0.9) == ("grass", {"grass"}, "grass")
    assert label_for(ANNOTATION, 1.0, 0.3) == ("concrete", {"concrete", "metal"}, "grass")  # the second person, higher up
    assert label_for(ANNOTATION, 6.0, 0.3) == ("rubber", {"rubber", "metal"}, "rubber")
    assert label_for(ANNOTATION, 4.999_999_5, None)[0] == "rubber"  # contact times are rounded


def test_shot_truth_is_the_majority_and_ties_accept_both():
    assert shot_truth(["wood", "wood", "tile"], "tile") == {"wood"}
    assert shot_truth(["grass", "concrete", "grass", "concrete"], "grass") == {"grass", "concrete"}
    assert shot_truth([], "snow") == {"snow"}


def test_a_group_is_scored_without_its_own_or_shared_footage():
    patches = [
        _patch("a1.mp4", "hato", "rubber"),
        _patch("a2.mp4", "hato", "rubber"),
        _patch("cut.mp4", "cut", "grass", ("sports2d", "hato")),
        _patch("demo.mp4", "sports2d", "grass"),
        _patch("floor.mp4", "intel", "wood"),
    ]
    assert unseen_by(patches, "hato").tolist() == [False, False, False, True, True]
    assert unseen_by(patches, "cut").tolist() == [False, False, False, False, True]
    assert unseen_by(patches, "intel").tolist() == [True, True, True, True, False]


def test_held_out_probabilities_never_train_on_the_scored_group():
    classes = ("grass", "rubber", "wood")
    patches = [_patch(f"h{i}.mp4", "hato", "rubber") for i in range(3)] + [_patch("c.mp4", "cut", "grass", ("hato", "sports2d")),
                                                                            _patch("w.mp4", "intel", "wood")]
    group_id = {"hato": 1.0, "cut": 2.0, "intel": 3.0}
    patch_x = np.array([[group_id[p.group]] for p in patches])
    owner = np.repeat(np.arange(len(patches)), 2)
    view_x = patch_x[owner]
    texture_x, texture_y = np.zeros((6, 1)), np.array([0, 1, 2, 0, 1, 2])
    seen = {}

    def fitter(x, y, w):
        trained_on = set(x[len(texture_y) :, 0].tolist())
        assert len(w) == len(y) == len(x)

        def predict(xs):
            held = set(xs[:, 0].tolist())
            assert not trained_on & held  # never a view of the footage being scored
            seen[tuple(sorted(held))] = trained_on
            return np.tile([0.2, 0.5, 0.3], (len(xs), 1))

        return predict

    proba = held_out_proba(texture_x, texture_y, patches, view_x, owner, patch_x, classes, share=0.4, fitter=fitter)
    assert proba.shape == (5, 3) and np.allclose(proba.sum(axis=1), 1)
    assert seen == {(1.0,): {3.0}, (2.0,): {3.0}, (3.0,): {1.0, 2.0}}


def test_footage_weights_are_a_share_split_by_group_and_label():
    patches = [_patch(f"h{i}.mp4", "hato", "rubber") for i in range(9)] + [_patch("f.mp4", "tfjs", "concrete")]
    owner = np.repeat(np.arange(len(patches)), 4)
    w = footage_weights(patches, owner, n_texture=600, share=0.4)
    assert w.sum() == pytest.approx(0.4 * 600 / 0.6)
    assert w[owner == 9].sum() == pytest.approx(w[owner < 9].sum())  # one studio floor weighs as much as 9 track clips
    assert footage_weights(patches, np.zeros(0, np.int64), n_texture=600, share=0.4).size == 0


def test_augmented_crops_are_deterministic_and_keep_the_mask_aligned():
    rgb = np.random.default_rng(0).integers(0, 255, (30, 70, 3), dtype=np.uint8)
    mask = np.zeros((30, 70), bool)
    mask[:, 35:] = True
    a, ma = augment_crop(rgb, mask, np.random.default_rng(5))
    b, mb = augment_crop(rgb, mask, np.random.default_rng(5))
    assert np.array_equal(a, b) and np.array_equal(ma, mb)
    assert a.shape[:2] == ma.shape and 22 <= a.shape[0] <= 30 and 52 <= a.shape[1] <= 70
    assert 0.2 < ma.mean() < 0.8


def test_patches_load_with_labels_and_skip_masked_ones(tmp_path):
    crops = tmp_path / "crops"
    (crops / "clip").mkdir(parents=True)
    entries = []
    for k, (y, ground) in enumerate([(0.9, 1.0), (0.3, 1.0), (0.9, 0.1)]):
        cv2.imwrite(str(crops / "clip" / f"{k}_rgb.png"), np.full((20, 40, 3), 90, np.uint8))
        mask = np.zeros((20, 40), np.uint8)
        mask[:, : int(40 * ground)] = 255
        cv2.imwrite(str(crops / "clip" / f"{k}_mask.png"), mask)
        entries.append({"rgb": f"clip/{k}_rgb.png", "mask": f"clip/{k}_mask.png", "shot": 0, "t_s": 1.0, "y": y})
    (crops / "index.json").write_text(json.dumps({"clips": {"clip.mp4": entries, "other.mp4": []}}))
    annotations = tmp_path / "ann.json"
    annotations.write_text(json.dumps({"clips": {"clip.mp4": {**ANNOTATION, "footage": ["g", "h"]}}}))
    patches = load_patches(crops, annotations)
    assert [p.label for p in patches] == ["grass", "concrete"]  # the third is mostly person: skipped
    assert patches[0].footage == {"g", "h"} and patches[1].accepted == {"concrete", "metal"}
    assert patches[0].rgb.shape == (20, 40, 3) and patches[0].mask.all()
    with pytest.raises(InputError, match="make_surface_crops"):
        load_patches(tmp_path / "nowhere", annotations)
