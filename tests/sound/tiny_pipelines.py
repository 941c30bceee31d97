"""Tiny randomly initialised diffusers pipelines (and a MusicGen), saved to a folder like real weights.

Every component has the real class and a config a few kilobytes big, so loading,
prompting, denoising and decoding run the same code as Stable Audio Open,
AudioLDM2 and MusicGen do, in well under a second on a CPU and with nothing from the hub.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

from foleystudio.local_models import tolerate_torchvision

WORDS = (
    "footsteps of a person walking running in on sneakers boots heels shoes barefoot heavy light "
    "concrete gravel wood wooden floor loose dry leaves snow close-up foley isolated no music"
).split()
MUSIC_WORDS = (
    "calm ambient pads gentle electronic pulse plucked synths solo piano driving drums and bass in major minor "
    "bpm dark warm bright soft steady energetic instrumental C D E F G A B Eb Bb Ab C# F#"
).split()
DIM = 16  # every hidden size
SR = 16000  # every tiny model runs at 16 kHz; the renderers resample to 48 kHz


def _t5_parts(words: tuple[str, ...] | list[str] = WORDS):
    tolerate_torchvision()
    from transformers import T5Config, T5EncoderModel, T5Tokenizer

    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0)] + [("\u2581" + w, -1.0) for w in words]
    tokenizer = T5Tokenizer(vocab=vocab, extra_ids=0, model_max_length=24)
    encoder = T5EncoderModel(T5Config(vocab_size=len(vocab), d_model=DIM, d_kv=8, d_ff=32, num_layers=1, num_heads=2,
                                      relative_attention_num_buckets=8))
    return tokenizer, encoder


def build_stable_audio(path: Path, *, seed: int = 0) -> Path:
    """A StableAudioPipeline: T5 text encoder, 1-layer DiT, Oobleck VAE (hop 256), 3 s window."""
    tolerate_torchvision()
    import torch
    from diffusers import (AutoencoderOobleck, CosineDPMSolverMultistepScheduler, StableAudioDiTModel,
                           StableAudioPipeline)
    from diffusers.pipelines.stable_audio import StableAudioProjectionModel

    torch.manual_seed(seed)
    tokenizer, encoder = _t5_parts()
    with warnings.catch_warnings():  # diffusers' Oobleck still uses the old torch weight_norm
        warnings.simplefilter("ignore", FutureWarning)
        vae = AutoencoderOobleck(encoder_hidden_size=4, downsampling_ratios=[4, 8, 8], channel_multiples=[1, 2, 2],
                                 decoder_channels=4, decoder_input_channels=4, audio_channels=2, sampling_rate=SR)
    pipe = StableAudioPipeline(
        vae=vae,
        text_encoder=encoder,
        projection_model=StableAudioProjectionModel(text_encoder_dim=DIM, conditioning_dim=DIM, min_value=0,
                                                    max_value=512),
        tokenizer=tokenizer,
        transformer=StableAudioDiTModel(sample_size=192, in_channels=4, num_layers=1, attention_head_dim=8,
                                        num_attention_heads=2, num_key_value_attention_heads=1, out_channels=4,
                                        cross_attention_dim=DIM, time_proj_dim=8, global_states_input_dim=2 * DIM,
                                        cross_attention_input_dim=DIM),
        scheduler=CosineDPMSolverMultistepScheduler(),
    )
    pipe.save_pretrained(str(path))
    return path


def build_audioldm2(path: Path, *, seed: int = 0) -> Path:
    """An AudioLDM2Pipeline: CLAP + T5 + GPT-2 conditioning, 2-block UNet, mel VAE, HiFi-GAN (hop 160)."""
    tolerate_torchvision()
    import torch
    from diffusers import (AudioLDM2Pipeline, AudioLDM2ProjectionModel, AudioLDM2UNet2DConditionModel, AutoencoderKL,
                           DDIMScheduler)
    from tokenizers import pre_tokenizers
    from transformers import (ClapConfig, ClapFeatureExtractor, ClapModel, GPT2Config, GPT2LMHeadModel,
                              RobertaTokenizer, SpeechT5HifiGan, SpeechT5HifiGanConfig)

    torch.manual_seed(seed)
    roberta_vocab = {"<pad>": 0, "<unk>": 1, "<s>": 2, "</s>": 3, "<mask>": 4}
    for ch in pre_tokenizers.ByteLevel.alphabet():  # byte-level BPE without merges: one token per character
        roberta_vocab.setdefault(ch, len(roberta_vocab))
    tokenizer_2, encoder_2 = _t5_parts()
    n_mels = 16
    clap = ClapModel(ClapConfig(
        text_config=dict(vocab_size=len(roberta_vocab), hidden_size=DIM, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32, max_position_embeddings=100, pad_token_id=0, bos_token_id=2,
                         eos_token_id=3),
        audio_config=dict(hidden_size=8, depths=[1], num_attention_heads=[1], patch_embeds_hidden_size=8,
                          num_mel_bins=n_mels, spec_size=32, window_size=4, num_hidden_layers=1),
        projection_dim=DIM,
    ))
    pipe = AudioLDM2Pipeline(
        vae=AutoencoderKL(in_channels=1, out_channels=1, down_block_types=("DownEncoderBlock2D",) * 2,
                          up_block_types=("UpDecoderBlock2D",) * 2, block_out_channels=(4, 4), layers_per_block=1,
                          latent_channels=4, norm_num_groups=2, sample_size=64),
        text_encoder=clap,
        text_encoder_2=encoder_2,
        projection_model=AudioLDM2ProjectionModel(text_encoder_dim=DIM, text_encoder_1_dim=DIM, langauge_model_dim=DIM),
        language_model=GPT2LMHeadModel(GPT2Config(vocab_size=8, n_embd=DIM, n_layer=1, n_head=2, n_positions=64,
                                                  bos_token_id=0, eos_token_id=1, max_new_tokens=4)),
        tokenizer=RobertaTokenizer(vocab=roberta_vocab, merges=[], model_max_length=96),
        tokenizer_2=tokenizer_2,
        feature_extractor=ClapFeatureExtractor(),  # only for ranking several waveforms: unused
        # Per block: GPT-2 states into the first cross-attention, T5 states into the third.
        unet=AudioLDM2UNet2DConditionModel(sample_size=16, in_channels=4, out_channels=4, block_out_channels=(8, 8),
                                           layers_per_block=1, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                           up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
                                           cross_attention_dim=[(DIM, None, DIM)] * 2, attention_head_dim=2,
                                           norm_num_groups=4),
        scheduler=DDIMScheduler(),
        vocoder=SpeechT5HifiGan(SpeechT5HifiGanConfig(
            model_in_dim=n_mels, sampling_rate=SR, upsample_initial_channel=8, upsample_rates=[5, 4, 8],
            upsample_kernel_sizes=[10, 8, 16], resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1]],
            normalize_before=False, initializer_range=0.1)),
    )
    pipe.save_pretrained(str(path))
    return path


BUILDERS = {"stable-audio": build_stable_audio, "audioldm2": build_audioldm2}


def bare_gpt2_copy(model_dir: Path, path: Path) -> Path:
    """The AudioLDM2 folder with its language model saved as a bare GPT2Model, as some uploads are."""
    from transformers import GPT2LMHeadModel

    shutil.copytree(model_dir, path)
    head = GPT2LMHeadModel.from_pretrained(str(model_dir / "language_model"), local_files_only=True)
    shutil.rmtree(path / "language_model")
    head.transformer.save_pretrained(str(path / "language_model"))
    index = json.loads((path / "model_index.json").read_text())
    index["language_model"] = ["transformers", "GPT2Model"]
    (path / "model_index.json").write_text(json.dumps(index))
    return path


def build_lora(model_dir: Path, path: Path, *, seed: int = 1) -> Path:
    """A PEFT LoRA adapter (rank 2, random non-zero weights) for a tiny Stable Audio DiT."""
    import torch
    from diffusers import StableAudioDiTModel
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    transformer = StableAudioDiTModel.from_pretrained(str(model_dir / "transformer"), local_files_only=True)
    config = LoraConfig(r=2, lora_alpha=2, target_modules=["to_q", "to_k", "to_v"], init_lora_weights=False)
    get_peft_model(transformer, config).save_pretrained(str(path))
    return path


def build_musicgen(path: Path, *, seed: int = 0, stereo: bool = False) -> Path:
    """A MusicgenForConditionalGeneration (T5 text encoder, 1-layer decoder, EnCodec at 16 kHz: 50 frames/s,
    4 codebooks of 64 codes; with `stereo`, 8 interleaved) and its MusicgenProcessor, saved side by side."""
    tolerate_torchvision()
    import torch
    from transformers import (EncodecConfig, EncodecFeatureExtractor, EncodecModel, MusicgenDecoderConfig,
                              MusicgenForCausalLM, MusicgenForConditionalGeneration, MusicgenProcessor)
    from transformers.utils import logging

    torch.manual_seed(seed)
    tokenizer, encoder = _t5_parts(MUSIC_WORDS)
    codes, books, channels = 64, 4, 2 if stereo else 1
    codec = EncodecModel(EncodecConfig(
        sampling_rate=SR, upsampling_ratios=[8, 5, 4, 2], codebook_size=codes, hidden_size=8, codebook_dim=8,
        num_filters=4, num_lstm_layers=1, target_bandwidths=[books * 50 * 6 / 1000]))  # 4 books x 50/s x 6 bits
    for layer in codec.quantizer.layers:  # EnCodec starts its codebooks at zero: every code would decode alike
        layer.codebook.embed.normal_()
        layer.codebook.embed_avg.copy_(layer.codebook.embed)
    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()  # the pad/bos id one past the codes is MusicGen's own layout, not a mistake
    try:
        decoder = MusicgenForCausalLM(MusicgenDecoderConfig(
            vocab_size=codes, max_position_embeddings=512, num_hidden_layers=1, ffn_dim=32, num_attention_heads=2,
            hidden_size=DIM, num_codebooks=books * channels, audio_channels=channels, pad_token_id=codes,
            bos_token_id=codes))
        model = MusicgenForConditionalGeneration(text_encoder=encoder, audio_encoder=codec, decoder=decoder)
        model.save_pretrained(str(path))
    finally:
        logging.set_verbosity(verbosity)
    extractor = EncodecFeatureExtractor(feature_size=channels, sampling_rate=SR)
    MusicgenProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(str(path))
    return path
