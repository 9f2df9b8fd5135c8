"""ConvLNP (Foong et al. 2020) on the pixel grid: SetConv -> encoder CNN -> a Gaussian latent map
-> K samples -> decoder CNN -> per-pixel mean and std. The prediction is the mean over samples;
the std is the mixture's (within-sample variance plus the spread of the sample means).

Unlike the Neural Process Family reference, no latent channel is pooled over the image: a global
code would make each tile's fill depend on the tile's extent, i.e. seams in a tiled scene. Every
latent channel is local, which keeps the model translation-equivariant."""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from engine.models.blocks import PixelMLP, fold_bands, positive_std, unfold_bands
from engine.models.cnn import build_cnn
from engine.models.convcnp import (base_mean, blend, context_layers, first_convs_by_image,
                                   interpolant_features, interpolants_at, rows_at, rows_on_maps)
from engine.models.padding import pad_features


class ConvLNP(nn.Module):
    """The latent-variable fill model: `forward(values, known)` gives (mean, std) of the mixture
    over latent samples; training draws `train_samples`, inference `eval_samples`."""

    # one generator draws the latents of a whole batch: a tile batched with others would get
    # other draws than alone, so the fill runs its tiles one by one (engine.models.inference)
    batches_tiles = False

    def __init__(self, encoder: str = "unet", encoder_cfg: dict | None = None,
                 decoder: str = "unet", decoder_cfg: dict | None = None, latent: int = 8,
                 setconv_px: int = 9, decoder_hidden: int = 32, decoder_layers: int = 2,
                 band_mix: bool = True, train_samples: int = 4, eval_samples: int = 8,
                 setconv_levels: int = 1, setconv_sigma_px: float = 2.0,
                 setconv_unit_density: bool = False, line_slopes=(), line_max_rows: int = 24):
        super().__init__()
        self.setconv, self.lines, c_set, self.levels = context_layers(
            setconv_px, setconv_sigma_px, setconv_levels, setconv_unit_density, line_slopes,
            line_max_rows)
        self.encoder = build_cnn(encoder, c_set, encoder_cfg or {}, band_mix)
        self.to_latent = nn.Conv2d(self.encoder.out_channels, 2 * latent, 1)
        self.decoder = build_cnn(decoder, latent + c_set, decoder_cfg or {}, band_mix)
        self.head = PixelMLP(self.decoder.out_channels, decoder_hidden, decoder_layers,
                             self.levels + 2)
        self.latent = latent
        self.train_samples, self.eval_samples = train_samples, eval_samples
        self.multiple = max(self.encoder.multiple, self.decoder.multiple, self.setconv.multiple)

    # `forward` honours `at` (the inference runner asks for the gap pixels only), as ConvCNP
    predicts_at = True

    def forward(self, values, known, band_weight=None, samples: int | None = None,
                generator: torch.Generator | None = None, return_samples: bool = False,
                at: torch.Tensor | None = None):
        """(mean, std), each (b, bands, h, w). `samples` overrides the number of latent samples and
        `generator` makes them reproducible; `return_samples` also returns each sample's mean and
        std. `at` as for ConvCNP (inference only): the head and the mixture are computed at
        those pixels alone; elsewhere the mean is the input value and the std 0."""
        b, nb = values.shape[:2]
        k = samples or (self.train_samples if self.training else self.eval_samples)
        y, m = fold_bands(values, known)
        if at is not None and not (self.training or return_samples):
            return self._forward_at(y, m, b, nb, k, band_weight, generator, at)
        feats = interpolant_features(self.setconv, self.lines, y, m)
        x, h, w = pad_features(feats, self.multiple)
        del feats
        if not (self.training or return_samples):
            # what the samples need of the 22-channel context, taken before the encoder gets it
            # to free: the interpolants and the context's share of the decoder's first conv
            interps = interpolants_at(x[..., :h, :w], self.levels)
            context = self._decoder_context(x)
            holder = [x]
            del x
            z_mu, z_sd = self._latent(self.encoder.forward_owned(holder, nb, band_weight))
            mean, std = self._mixture_one_sample_at_a_time(context, interps, z_mu, z_sd, k, nb,
                                                           band_weight, generator, h, w)
            return unfold_bands(mean, b), unfold_bands(std, b)
        z_mu, z_sd = self._latent(self.encoder(x, nb, band_weight))
        eps = torch.randn((k,) + z_mu.shape, generator=generator, device=z_mu.device,
                          dtype=z_mu.dtype)
        z = (z_mu + z_sd * eps).flatten(0, 1)                       # (k*n, latent, h, w)
        ctx = x.repeat(k, 1, 1, 1)
        bw = None if band_weight is None else band_weight.repeat(k, 1)
        out = self.head(self.decoder(torch.cat([z, ctx], 1), nb, bw))[..., :h, :w].float()
        lv = self.levels
        means = (base_mean(ctx[..., :h, :w], out, lv) + out[:, lv:lv + 1]).view(k, -1, 1, h, w)
        stds = positive_std(out[:, lv + 1:lv + 2]).view(k, -1, 1, h, w)
        mean = means.mean(0)
        std = torch.sqrt((stds ** 2).mean(0) + means.var(0, unbiased=False))
        if return_samples:
            return unfold_bands(mean, b), unfold_bands(std, b), means, stds
        return unfold_bands(mean, b), unfold_bands(std, b)

    def _forward_at(self, y, m, b, nb, k, band_weight, generator, at):
        """Inference at the `at` pixels: the 22-channel context is never built whole; each
        band's features go straight into the encoder's first convolution and the context's
        share of the decoder's (`first_convs_by_image`), and the head and the mixture run at
        those pixels only."""
        h, w = y.shape[-2:]
        where = torch.nonzero(at.reshape(y.shape), as_tuple=True)
        enc, dec = self.encoder.first_conv, self.decoder.first_conv
        interps, (first, context) = first_convs_by_image(
            self.setconv, self.lines, y, m, self.levels, where, self.multiple,
            [(enc.weight, enc.bias, enc.padding),
             (dec.weight[:, self.latent:], dec.bias, dec.padding)])
        holder = [F.relu_(first) if self.encoder.first_relu else first]
        del first
        z_mu, z_sd = self._latent(self.encoder.forward_owned(holder, nb, band_weight,
                                                             first_done=True))
        mean, std = self._mixture_one_sample_at_a_time(context, interps, z_mu, z_sd, k, nb,
                                                       band_weight, generator, h, w, where)
        mean, std = rows_on_maps(y, where, mean, std)
        return unfold_bands(mean, b), unfold_bands(std, b)

    def _latent(self, encoded):
        """(mean, std) of the Gaussian latent map from the encoder's features."""
        z_mu, z_raw = self.to_latent(encoded).chunk(2, dim=1)
        return z_mu, 0.1 + 0.9 * torch.sigmoid(z_raw)

    def _decoder_context(self, x):
        """The context's share of the decoder's first convolution (its input is [latent,
        context]): computed once, so no sample builds the 26-channel input again and the
        22-channel context can be freed before the samples run."""
        conv = self.decoder.first_conv
        return F.conv2d(x, conv.weight[:, self.latent:], conv.bias, padding=conv.padding)

    def _mixture_one_sample_at_a_time(self, context, interps, z_mu, z_sd, k, nb, band_weight,
                                      generator, h, w, where=None):
        """The inference mixture without holding K copies of the context: samples are decoded
        one after another (on the CPU the same noise as one (K, ...) draw when a sample's size
        is a multiple of 16, as padded tiles' are; a different but equally random stream
        otherwise) and folded into running
        moments (Welford), so a whole-scene fill needs one sample's activations, not K. With
        `where` (pixel indices) the head and the moments are computed there only: (rows, 1)."""
        lv = self.levels
        conv = self.decoder.first_conv
        w_latent = conv.weight[:, :self.latent]
        mean = m2 = var = None
        for s in range(k):
            eps = torch.randn(z_mu.shape, generator=generator, device=z_mu.device,
                              dtype=z_mu.dtype)
            first = F.conv2d(z_mu + z_sd * eps, w_latent, None, padding=conv.padding)
            first = first.add_(context)
            holder = [F.relu_(first) if self.decoder.first_relu else first]
            del eps, first
            hidden = self.decoder.forward_owned(holder, nb, band_weight,
                                                first_done=True)[..., :h, :w]
            if where is None:
                out = self.head(hidden).float()
            else:
                i, _, r, c = where
                out = self.head.rows(rows_at(hidden, i, r, c)).float()
            m_i = blend(interps, out, lv) + out[:, lv:lv + 1]
            v_i = positive_std(out[:, lv + 1:lv + 2]) ** 2
            del hidden, out
            if mean is None:
                mean, m2, var = m_i, torch.zeros_like(m_i), v_i
                continue
            delta = m_i - mean
            mean = mean + delta / (s + 1)
            m2 = m2 + delta * (m_i - mean)
            var = var + v_i
        return mean, torch.sqrt(var / k + m2 / k)

