"""Reference-conditioned ConvCNP: fills the target's gaps from its own context AND from other
dates of the same grid (references), each normalised with its own scene statistics.

Why this shape:
- The single-image ConvCNP stays the backbone, unchanged where no reference is valid: its CNN
  gets the pooled reference features as extra input channels whose weights start at zero, and
  the mean is `(1 - g) * single-image fill + g * reference fill` with the gate g forced to 0 at
  pixels no reference observes and at the target's own observed pixels. With no reference (R = 0), or references unknown everywhere,
  the output is the single-image model's (exactly on the plain path, to float rounding on
  the gap-only inference path), so initialising it from the shipped ConvCNP weights
  gives a model that is never worse than today's without references.
- The reference fill is what NSPI-style methods exploit: the reference value plus the
  target-minus-reference offset, measured at pixels known on both dates and carried into the
  gap by a (multi-scale, learned) SetConv. Offsets absorb the radiometric difference between
  sensors and dates locally; nothing about the sensors is assumed. Each reference contributes
  one such candidate per SetConv level, and a per-pixel softmax (logits from each reference's
  embedding and the target's CNN features) picks among all references' candidates.
- One encoder is shared by all references and their embeddings are pooled by a masked mean
  (plus a count channel): the output does not depend on the order or number of references. The
  encoder sees the time apart (|days| / 365, cos and sin of the day-of-year difference), so it
  can learn when a reference is not to be trusted (years apart, another season).
"""
from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F

from engine.models.blocks import PixelMLP, fold_bands, positive_std, unfold_bands
from engine.models.cnn import UNetCNN
from engine.models.convcnp import (
    ConvCNP,
    blend,
    image_bounds,
    pad_features,
    rows_at,
    rows_on_maps,
)
from engine.models.layout import conv_layout
from engine.models.setconv import SetConv

_MASKED_LOGIT = -1.0e4      # a candidate at a pixel its reference does not observe
TIME_CHANNELS = 3
FIRST_CONV = "cnn.enc.0.0.0.weight"   # the single-image CNN's input layer


def time_features(ref_days: torch.Tensor, ref_doy: torch.Tensor) -> torch.Tensor:
    """(b, R) days apart and day-of-year difference -> (b, R, 3): how far apart, and how far
    apart in the season (periodic, so 1 Jan and 31 Dec are close)."""
    angle = ref_doy.float() * (2 * math.pi / 365.25)
    return torch.stack([ref_days.float().abs() / 365.25, torch.cos(angle), torch.sin(angle)], -1)


class RefConvCNP(nn.Module):
    """`forward(values, known, ref_values, ref_known, ref_days, ref_doy)` -> (mean, std); references
    are (b, R, bands, h, w), R >= 0, each normalised with its own statistics. `base` is the backbone
    ConvCNP's config, so shipped ConvCNP weights load into it (`load_single_image`)."""

    def __init__(self, base: dict, ref_channels=(16, 24), diff_px: int = 9,
                 diff_levels: int = 3, diff_sigma_px: float = 2.0, head_hidden: int = 16,
                 gate_init: float = 1.0, count_scale: float = 4.0):
        super().__init__()
        c_ref = int(ref_channels[0])
        self.base = ConvCNP(**dict(base, extra_channels=c_ref + 1))
        self.diff = SetConv(diff_px, diff_sigma_px, diff_levels, unit_density=True)
        self.levels = diff_levels
        c_in = 2 + self.diff.out_channels + diff_levels + 2 + TIME_CHANNELS
        self.encoder = UNetCNN(c_in, tuple(ref_channels), band_mix=False,
                               convs=(1,) * len(ref_channels))
        c_hidden = self.base.cnn.out_channels
        self.ref_head = PixelMLP(c_ref + c_hidden, head_hidden, 2, diff_levels)
        # gate logit, residual on the reference fill, change of the raw std
        self.gate_head = PixelMLP(c_hidden + c_ref + 1, head_hidden, 2, 3)
        last = self.gate_head.net[-1]
        with torch.no_grad():
            last.weight.mul_(0.1)
            last.bias.copy_(torch.tensor([gate_init, 0.0, 0.0]))
        self.c_ref, self.count_scale = c_ref, count_scale
        self.multiple = max(self.base.multiple, self.encoder.multiple, self.diff.multiple)

    def load_single_image(self, state: dict) -> None:
        """Start the backbone from a single-image ConvCNP's weights (same configuration); the
        input weights of the reference channels are zero, so the references start unused by
        the CNN and R = 0 reproduces that model."""
        state = dict(state)
        w = state[FIRST_CONV]
        own = self.base.state_dict()[FIRST_CONV]
        padded = torch.zeros_like(own)
        padded[:, :w.shape[1]] = w
        state[FIRST_CONV] = padded
        self.base.load_state_dict(state, strict=True)

    # `forward` honours `at` (the fill asks for the gap pixels only), as the backbone does
    predicts_at = True

    def forward(self, values, known, ref_values=None, ref_known=None, ref_days=None,
                ref_doy=None, band_weight=None, at=None, **_):
        """(mean, std), each (b, bands, h, w). Without references (None, or R = 0) the backbone's
        output (exactly on the plain path, to float rounding with `at`); `ref_days` and `ref_doy` are (b, R): target minus reference in days, and the
        day-of-year difference. `at` (bool, like `known`): predict at those pixels only (see
        `_forward_at`); elsewhere the input value and std 0. Training uses `at=None`."""
        b, nb, h, w = values.shape
        y, m = fold_bands(values, known)
        if at is not None:
            return self._forward_at(y, m, b, nb, ref_values, ref_known, ref_days, ref_doy,
                                    band_weight, at)
        if ref_values is None or ref_values.shape[1] == 0:
            zeros = y.new_zeros((b * nb, self.c_ref + 1, h, w))
            interps, _, out = self.base.decode(y, m, nb, band_weight, zeros)
            return self._single(interps, out, b)
        r = ref_values.shape[1]
        n = b * r * nb
        rk = ref_known.reshape(n, 1, h, w).bool()
        rv = torch.where(rk, ref_values.reshape(n, 1, h, w).float(), 0.0)  # poison-proof
        y_r = y.float().reshape(b, 1, nb, h, w).expand(b, r, nb, h, w).reshape(n, 1, h, w)
        m_r = (m > 0).reshape(b, 1, nb, h, w).expand(b, r, nb, h, w).reshape(n, 1, h, w)
        both = rk & m_r
        d = torch.where(both, y_r - rv, 0.0)
        dfeat = self.diff(d, both.float())
        cands = rv + dfeat[:, 0:2 * self.levels:2]          # reference + interpolated offset
        t = time_features(ref_days, ref_doy).to(y.dtype)     # (b, r, 3)
        t = t[:, :, None, :, None, None].expand(b, r, nb, TIME_CHANNELS, h, w)
        enc_in = torch.cat([rv, rk.float(), dfeat, cands, y_r * m_r, m_r.float(),
                            t.reshape(n, TIME_CHANNELS, h, w)], 1)
        x, _, _ = pad_features(enc_in, self.encoder.multiple)
        emb = self.encoder(x)[..., :h, :w].float()           # (n, c, h, w)
        valid = rk.float()
        v6 = valid.reshape(b, r, nb, 1, h, w)
        count = v6.sum(1)                                    # (b, nb, 1, h, w)
        pooled = (emb.reshape(b, r, nb, -1, h, w) * v6).sum(1) / count.clamp_min(1.0)
        count = count.reshape(b * nb, 1, h, w)
        pooled = pooled.reshape(b * nb, -1, h, w)
        extra = torch.cat([pooled, count / self.count_scale], 1)
        interps, hidden, out = self.base.decode(y, m, nb, band_weight, extra)
        hidden = hidden.float()
        base_fill = blend(interps, out, self.base.levels) + out[:, self.base.levels:self.base.levels + 1]
        hid_r = hidden.reshape(b, 1, nb, -1, h, w).expand(b, r, nb, hidden.shape[1], h, w)
        logits = self.ref_head(torch.cat([emb, hid_r.reshape(n, -1, h, w)], 1)).float()
        logits = torch.where(rk, logits, _MASKED_LOGIT)
        # softmax over every (reference, level) candidate of a band's pixel
        logits = logits.reshape(b, r, nb, self.levels, h, w).transpose(1, 2)
        cands = cands.reshape(b, r, nb, self.levels, h, w).transpose(1, 2)
        wts = torch.softmax(logits.reshape(b, nb, r * self.levels, h, w), 2)
        ref_fill = (wts * cands.reshape(b, nb, r * self.levels, h, w)).sum(2)
        g_out = self.gate_head(torch.cat([hidden, pooled, count / self.count_scale], 1)).float()
        # references act only where the target is unknown (its own pixels are kept anyway)
        anyref = (count > 0).float() * (1 - m.float())
        gate = torch.sigmoid(g_out[:, 0:1]) * anyref
        ref_fill = ref_fill.reshape(b * nb, 1, h, w) + g_out[:, 1:2]
        mean = (1 - gate) * base_fill + gate * ref_fill
        std = positive_std(out[:, self.base.levels + 1:self.base.levels + 2] + anyref * g_out[:, 2:3])
        return unfold_bands(mean, b), unfold_bands(std, b)

    def _forward_at(self, y, m, b, nb, ref_values, ref_known, ref_days, ref_doy, band_weight,
                    at):
        """The same arithmetic as the plain forward, laid out for a whole-scene fill: every
        per-pixel head (the backbone's, the candidates' logits, the gate) runs on gathered rows
        at the `at` pixels only, and the reference encoder runs one (reference, band) image at a
        time, keeping only its pooled sum and its rows at those pixels. The plain layout holds
        every reference image's features and embeddings, and the heads' 30-50 channel inputs,
        at full resolution at once: about 2.5x the single-image model's memory per tile."""
        where = torch.nonzero(at.reshape(y.shape), as_tuple=True)
        r = 0 if ref_values is None else ref_values.shape[1]
        if r == 0:   # the reference channels' inputs would be 0: their share of the CNN is 0
            interps, hidden = self.base._encode_at(y, m, nb, band_weight, where, [None])
            mean, std = self.base._predict_at(y, interps, hidden, where)
            return unfold_bands(mean, b), unfold_bands(std, b)
        holder = [None]
        refs = self._encode_refs(y, m, b, nb, ref_values, ref_known, ref_days, ref_doy, where,
                                 holder)
        interps, hidden = self.base.encode(y, m, nb, band_weight, where=where,
                                           first_share=holder.pop())
        mean, std = self._heads_at(y, m, interps, hidden, where, refs)
        return unfold_bands(mean, b), unfold_bands(std, b)

    def _encode_refs(self, y, m, b, nb, ref_values, ref_known, ref_days, ref_doy, where, holder):
        """Per reference image: its encoder input and embedding, one image at a time; per band,
        the embeddings pooled over the references and that pooled map's share of the backbone's
        first convolution, so no full-resolution map of every band's pooled features exists.
        Returns the rows at `where` ((R, pixels, c) embeddings, (R, pixels, levels) candidates,
        (R, pixels) validity, (pixels, c + 1) pooled embedding and count / scale) and puts the
        share (bands folded, channels-last) into `holder`."""
        i, _, rr, cc = where
        h, w = y.shape[-2:]
        r, lv, c = ref_values.shape[1], self.levels, self.c_ref
        conv = self.base.cnn.first_conv
        w_refs = conv.weight[:, self.base.context_channels:]
        emb_rows = y.new_empty((r, i.numel(), c), dtype=torch.float32)
        cand_rows = y.new_empty((r, i.numel(), lv), dtype=torch.float32)
        known_rows = torch.zeros((r, i.numel()), dtype=torch.bool, device=y.device)
        pooled_rows = y.new_empty((i.numel(), c + 1), dtype=torch.float32)
        bounds = image_bounds(i, b * nb)
        times = time_features(ref_days, ref_doy).to(y.dtype)
        share = None
        for bi in range(b):
            for j in range(nb):
                t = bi * nb + j
                lo, hi = bounds[t], bounds[t + 1]
                at_r, at_c = rr[lo:hi], cc[lo:hi]
                # channels-last like the embeddings added into it and the convolution it feeds
                pooled = torch.empty((1, c + 1, h, w), dtype=torch.float32, device=y.device,
                                     memory_format=torch.channels_last).zero_()
                for k in range(r):
                    rk = ref_known[bi, k, j][None, None].bool()
                    emb, cands = self._embed(y[t:t + 1].float(), m[t:t + 1] > 0, rk,
                                             ref_values[bi, k, j][None, None], times[bi, k])
                    pooled[0, :c].addcmul_(emb, rk[0].float())
                    pooled[0, c].add_(rk[0, 0].float())
                    emb_rows[k, lo:hi] = rows_at(emb[None], 0, at_r, at_c)
                    cand_rows[k, lo:hi] = cands[0][:, at_r, at_c].T
                    known_rows[k, lo:hi] = rk[0, 0, at_r, at_c]
                    del emb, cands
                count = pooled[:, c:c + 1]
                pooled[:, :c] /= count.clamp_min(1.0)
                count /= self.count_scale
                pooled_rows[lo:hi] = rows_at(pooled, 0, at_r, at_c)
                x, _, _ = pad_features(conv_layout(pooled), self.base.multiple)
                del pooled, count
                one = F.conv2d(x, w_refs, None, padding=conv.padding)
                del x
                if share is None:
                    share = torch.empty((b * nb,) + tuple(one.shape[1:]), dtype=one.dtype,
                                        device=one.device, memory_format=torch.channels_last)
                share[t:t + 1] = one
        holder[0] = share
        return emb_rows, cand_rows, known_rows, pooled_rows

    def _embed(self, yt, mt, rk, ref_value, times):
        """One reference image's embedding (c, h, w) and its candidate fills (1, levels, h, w):
        the encoder input of the plain forward, for one (reference, band) image."""
        h, w = yt.shape[-2:]
        lv = self.levels
        rv = torch.where(rk, ref_value.float(), 0.0)
        both = rk & mt
        dfeat = self.diff(torch.where(both, yt - rv, 0.0), both.float())
        cands = rv + dfeat[:, 0:2 * lv:2]
        tk = times[None, :, None, None].expand(1, TIME_CHANNELS, h, w)
        # channels-last: the encoder's convolutions run about 2x faster on CPU in that layout
        enc_in = conv_layout(torch.cat([rv, rk.float(), dfeat, cands, yt * mt, mt.float(), tk], 1))
        del dfeat
        x, _, _ = pad_features(enc_in, self.encoder.multiple)
        del enc_in
        holder = [x]   # handed over: freed after the encoder's first level
        del x
        return self.encoder.forward_owned(holder)[0, :, :h, :w].float(), cands

    def _heads_at(self, y, m, interps, hidden, where, refs):
        """Mean and std at `where` from the gathered rows, in blocks as the backbone's head."""
        i, _, rr, cc = where
        emb_rows, cand_rows, known_rows, pooled_rows = refs
        r, lv, blv = emb_rows.shape[0], self.levels, self.base.levels
        mean = y.new_empty((i.numel(), 1), dtype=torch.float32)
        std = torch.empty_like(mean)
        step = self.base.HEAD_ROWS
        for s in range(0, i.numel(), step):
            cut = slice(s, s + step)
            hid = rows_at(hidden, i[cut], rr[cut], cc[cut]).float()
            out = self.base.head.rows(hid).float()
            base_fill = blend(interps[cut], out, blv) + out[:, blv:blv + 1]
            logits = torch.cat([
                torch.where(known_rows[k, cut, None],
                            self.ref_head.rows(torch.cat([emb_rows[k, cut], hid], 1)).float(),
                            _MASKED_LOGIT)
                for k in range(r)], 1)
            wts = torch.softmax(logits, 1)
            ref_fill = (wts * cand_rows[:, cut].transpose(0, 1).reshape(-1, r * lv)).sum(
                1, keepdim=True)
            pooled = pooled_rows[cut]
            g_out = self.gate_head.rows(torch.cat([hid, pooled], 1)).float()
            anyref = (pooled[:, -1:] > 0).float() * (1 - m[i[cut], :, rr[cut], cc[cut]].float())
            gate = torch.sigmoid(g_out[:, 0:1]) * anyref
            mean[cut] = (1 - gate) * base_fill + gate * (ref_fill + g_out[:, 1:2])
            std[cut] = positive_std(out[:, blv + 1:blv + 2] + anyref * g_out[:, 2:3])
        return rows_on_maps(y, where, mean, std)

    def _single(self, interps, out, b):
        lv = self.base.levels
        mean = blend(interps, out, lv) + out[:, lv:lv + 1]
        std = positive_std(out[:, lv + 1:lv + 2])
        return unfold_bands(mean, b), unfold_bands(std, b)
