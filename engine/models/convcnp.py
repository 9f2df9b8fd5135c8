"""ConvCNP on the pixel grid: SetConv -> CNN -> per-pixel MLP giving a mean and a std per band.

The mean is predicted as a correction to the SetConv's normalised signal (a kernel-smoothing
interpolant of the observed pixels; with several SetConv levels, a per-pixel learned blend of
them): at initialisation the model is a sensible interpolator and training only has to learn
what interpolation misses (texture, edges across the gap)."""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from engine.models.blocks import PixelMLP, fold_bands, positive_std, unfold_bands
from engine.models.cnn import build_cnn
from engine.models.lineinterp import LineInterp
from engine.models.layout import conv_layout
from engine.models.padding import pad_features
from engine.models.setconv import SetConv


class ConvCNP(nn.Module):
    """The single-image fill model: `forward(values, known)` on (b, bands, h, w) gives (mean, std)
    of the same shape. `extra_channels` lets a model built on top (the reference-conditioned
    ConvCNP) feed its own features into the CNN."""

    def __init__(self, cnn: str = "unet", cnn_cfg: dict | None = None, setconv_px: int = 9,
                 decoder_hidden: int = 32, decoder_layers: int = 2, band_mix: bool = True,
                 setconv_levels: int = 1, setconv_sigma_px: float = 2.0,
                 setconv_unit_density: bool = False, line_slopes=(), line_max_rows: int = 24,
                 extra_channels: int = 0):
        super().__init__()
        self.setconv, self.lines, c_in, self.levels = context_layers(
            setconv_px, setconv_sigma_px, setconv_levels, setconv_unit_density, line_slopes,
            line_max_rows)
        # extra_channels: features from outside the context set (the reference-conditioned
        # model's pooled references) appended to the CNN's input
        self.context_channels = c_in
        self.cnn = build_cnn(cnn, c_in + extra_channels, cnn_cfg or {}, band_mix)
        # outputs: one mixing logit per interpolant, the residual, the raw std
        self.head = PixelMLP(self.cnn.out_channels, decoder_hidden, decoder_layers,
                             self.levels + 2)
        self.multiple = max(self.cnn.multiple, self.setconv.multiple)

    # `forward` honours `at` (the inference runner asks for the gap pixels only)
    predicts_at = True

    def forward(self, values: torch.Tensor, known: torch.Tensor, band_weight=None,
                at: torch.Tensor | None = None, **_):
        """(mean, std), each (b, bands, h, w), in the normalised units of `values`; extra keywords
        are accepted and ignored, so every fill model is called alike.

        `at` (bool, like `known`): the pixels whose prediction is wanted. The per-pixel head, the
        largest activation of the model (32 channels at full resolution, twice), then runs on
        those pixels only: a fill needs its gaps, a fifth of a tile, not the observed pixels it
        keeps anyway. Elsewhere the mean is the input value and the std 0. Training uses
        `at=None` (every pixel: the loss sees whole crops); the scores and the std calibration
        go through the Predictor, which asks for the unknown pixels, all they score."""
        b, nb = values.shape[:2]
        y, m = fold_bands(values, known)
        if at is not None:
            where = torch.nonzero(at.reshape(y.shape), as_tuple=True)
            interps, hidden = self.encode(y, m, nb, band_weight, where=where)
            mean, std = self._predict_at(y, interps, hidden, where)
            return unfold_bands(mean, b), unfold_bands(std, b)
        interps, _, out = self.decode(y, m, nb, band_weight)
        mean = blend(interps, out, self.levels) + out[:, self.levels:self.levels + 1]
        std = positive_std(out[:, self.levels + 1:self.levels + 2])
        return unfold_bands(mean, b), unfold_bands(std, b)

    def encode(self, y, m, nb: int, band_weight=None, extra=None, where=None, first_share=None):
        """(the interpolants the mean blends, CNN output features), bands folded, cropped to the
        input. The interpolants are kept as maps (n, levels, h, w), or, given `where` (indices
        of pixels, as from nonzero: a fill at inference), as rows at those pixels only.

        With `where` (a fill) the feature stack (22 channels at full resolution, plus any extra
        ones) is never built: each image's features go straight into the CNN's first
        convolution (`first_convs_by_image`), added to `first_share` where the caller brings
        one (its own share of that convolution for its extra channels, without bias; `extra`
        is then unused), and no frame here keeps the share alive once the CNN has it. Equal to
        the plain path up to float rounding (the same to the pixel on a real tile under bf16
        autocast, where the convolution rounds its input anyway). Since each image's input is
        copied once into the autocast dtype and layout (`conv_layout`) this is no slower than
        the stack (a 608 px, 6-band tile with half its pixels missing: 1.0 against 1.15 s; a
        whole 2048 px scene within noise) and holds less (658 against 823 MB there). `extra`
        without `first_share` (training's callers) keeps the stacked path."""
        if where is not None and (first_share is not None or extra is None):
            parts = [first_share]
            del first_share, extra
            return self._encode_at(y, m, nb, band_weight, where, parts)
        feats = interpolant_features(self.setconv, self.lines, y, m)
        interps = interpolants_at(feats, self.levels, where)
        x = feats if extra is None else torch.cat([feats, extra.to(feats.dtype)], 1).contiguous(
            memory_format=torch.channels_last)   # the layout `feats` has, so R = 0 matches
        del feats, extra
        x, h, w = pad_features(x, self.multiple)
        holder = [x]
        del x
        return interps, self.cnn.forward_owned(holder, nb, band_weight)[..., :h, :w]

    def _encode_at(self, y, m, nb, band_weight, where, parts):
        """`encode` with `where`, by image; `parts` holds the first convolution's share of the
        extra channels (or None), taken out here so the caller keeps no reference to it."""
        conv, c = self.cnn.first_conv, self.context_channels
        interps, (first,) = first_convs_by_image(
            self.setconv, self.lines, y, m, self.levels, where, self.multiple,
            [(conv.weight[:, :c], conv.bias, conv.padding)], into=[parts.pop()])
        holder = [F.relu_(first) if self.cnn.first_relu else first]
        del first
        h, w = y.shape[-2:]
        return interps, self.cnn.forward_owned(holder, nb, band_weight,
                                               first_done=True)[..., :h, :w]

    def decode(self, y, m, nb: int, band_weight=None, extra=None):
        """(interpolants, CNN output features, head output), bands folded: the parts a model
        built on top of this one (reference conditioning) reuses."""
        interps, hidden = self.encode(y, m, nb, band_weight, extra)
        return interps, hidden, self.head(hidden).float()

    # rows of the head computed at once: fixed-size blocks keep the heap from fragmenting on
    # the gap count, which differs from tile to tile
    HEAD_ROWS = 1 << 16

    def _predict_at(self, y, interps, hidden, where):
        """Mean and std, (n, 1, h, w), computed by the head at the pixels `where` only (gathered
        as rows: the same arithmetic as the 1x1 convolutions); the input value and 0 elsewhere."""
        i, _, r, c = where
        lv = self.levels
        mean = hidden.new_empty((i.numel(), 1), dtype=torch.float32)
        std = torch.empty_like(mean)
        for s in range(0, i.numel(), self.HEAD_ROWS):
            cut = slice(s, s + self.HEAD_ROWS)
            rows = self.head.rows(rows_at(hidden, i[cut], r[cut], c[cut])).float()
            mean[cut] = blend(interps[cut], rows, lv) + rows[:, lv:lv + 1]
            std[cut] = positive_std(rows[:, lv + 1:lv + 2])
        return rows_on_maps(y, where, mean, std)


def context_layers(setconv_px, sigma_px, levels, unit_density, line_slopes, line_max_rows):
    """The layers that turn the context set into features, shared by ConvCNP and ConvLNP:
    (SetConv, LineInterp or None, their feature channels, number of interpolants the mean
    blends: one per SetConv level and one per line slope)."""
    setconv = SetConv(setconv_px, sigma_px, levels, unit_density)
    lines = LineInterp(line_slopes, line_max_rows) if line_slopes else None
    channels = setconv.out_channels + (lines.out_channels if lines else 0)
    return setconv, lines, channels, levels + (len(lines.slopes) if lines else 0)


def interpolant_features(setconv, lines, y, m) -> torch.Tensor:
    """[SetConv levels' (interp, density)..., lines' (interp, reach)..., y*m, m]: every
    interpolant at an even channel index < 2 * (number of interpolants).

    Returned channels-last, the layout the CNN's convolutions run fastest in (about 2x on CPU).
    At inference built one image (band) at a time in the plain layout and copied in, so besides
    the result only one band's features exist at once (writing channels straight into a
    channels-last map is strided and slower); bands with the same gaps share the line searches.
    Training (autograd on: small crops, often on a GPU) builds the whole batch at once."""
    feats = torch.empty((y.shape[0], feature_channels(setconv, lines)) + tuple(y.shape[2:]),
                        dtype=torch.float32, device=y.device, memory_format=torch.channels_last)
    searches = {}
    step = y.shape[0] if torch.is_grad_enabled() else 1
    for j in range(0, y.shape[0], step):
        feats[j:j + step] = image_features(setconv, lines, y[j:j + step], m[j:j + step],
                                           searches)
    return feats


def feature_channels(setconv, lines) -> int:
    """Channels of `interpolant_features`."""
    return setconv.out_channels + (lines.out_channels if lines is not None else 0)


def image_features(setconv, lines, y, m, searches: dict) -> torch.Tensor:
    """`interpolant_features` of the images in `y`, `m`, in the plain layout; `searches` carries
    line searches from image to image (bands with the same gaps share them)."""
    n_set = 2 * setconv.levels
    n_lines = lines.out_channels if lines is not None else 0
    part = torch.empty((y.shape[0], feature_channels(setconv, lines)) + tuple(y.shape[2:]),
                       dtype=torch.float32, device=y.device)
    setconv.write(y, m, part[:, :n_set], part[:, n_set + n_lines:])
    if lines is not None:
        lines(y, m, out=part[:, n_set:n_set + n_lines], searches=searches)
    return part


def image_bounds(image_index: torch.Tensor, images: int) -> list:
    """Where each image's rows start and end in the image indices of a nonzero (sorted by
    image): image j's rows are [bounds[j], bounds[j + 1])."""
    arange = torch.arange(images + 1, device=image_index.device)
    return torch.searchsorted(image_index, arange).tolist()


def first_convs_by_image(setconv, lines, y, m, levels: int, where, multiple: int, convs,
                         into=None):
    """Inference: each image's (band's) features, built one at a time, fed straight into the
    convolutions `convs` ((weight, bias, padding) each: a CNN's first layers, or shares of
    them), so a tile's full feature map (22 channels at full resolution: 130 MB for 4 bands of
    608 px) never exists, only one image's. Returns (the interpolants' rows at `where`, which
    must come from nonzero (sorted by image), one channels-last output map per convolution).
    `into`: per convolution, a map to add the output into (and return), or None."""
    n = y.shape[0]
    i, _, r, c = where
    bounds = image_bounds(i, n)
    interps = y.new_empty((i.numel(), levels), dtype=torch.float32)
    outs = list(into) if into is not None else [None] * len(convs)
    adds = [o is not None for o in outs]
    searches = {}
    for j in range(n):
        part = image_features(setconv, lines, y[j:j + 1], m[j:j + 1], searches)
        lo, hi = bounds[j], bounds[j + 1]
        interps[lo:hi] = part[0, 0:2 * levels:2][:, r[lo:hi], c[lo:hi]].T
        x, _, _ = pad_features(conv_layout(part), multiple)
        del part
        for q, (weight, bias, padding) in enumerate(convs):
            o = F.conv2d(x, weight, bias, padding=padding)
            if outs[q] is None:
                outs[q] = torch.empty((n,) + tuple(o.shape[1:]), dtype=o.dtype, device=o.device,
                                      memory_format=torch.channels_last)
            if adds[q]:
                outs[q][j:j + 1] += o
            else:
                outs[q][j:j + 1] = o
        del x
    return interps, outs


def interpolants_at(feats: torch.Tensor, levels: int, where=None) -> torch.Tensor:
    """The interpolants the mean blends, out of the features: maps (n, levels, h, w), or the
    rows (pixels, levels) at `where` (indices as from nonzero on (n, 1, h, w))."""
    picked = feats[:, 0:2 * levels:2]
    if where is None:
        return picked.contiguous()
    i, _, r, c = where
    return picked.permute(0, 2, 3, 1)[i, r, c]


def rows_at(maps: torch.Tensor, i, r, c) -> torch.Tensor:
    """Rows (pixels, channels) of (n, channels, h, w) maps at images `i`, rows `r`, columns `c`
    (as from nonzero). A channels-last map is gathered by one index_select on its (n h w,
    channels) view: advanced indexing over three index tensors walks it about 14x slower (39
    against 2.7 ms for 185 k pixels of a 16-channel 608 px map)."""
    n, ch, h, w = maps.shape
    pix = maps.permute(0, 2, 3, 1)
    if pix.is_contiguous():
        return pix.reshape(n * h * w, ch).index_select(0, (i * h + r) * w + c)
    return pix[i, r, c]


def rows_on_maps(y: torch.Tensor, where, mean_rows: torch.Tensor, std_rows: torch.Tensor):
    """Predictions at `where` ((pixels, 1) each) placed on (n, 1, h, w) maps: the input value
    `y` and std 0 elsewhere, where no prediction was asked for."""
    i, _, r, c = where
    mean, std = y.float().clone(), torch.zeros_like(y, dtype=torch.float32)
    mean[i, 0, r, c] = mean_rows[:, 0]
    std[i, 0, r, c] = std_rows[:, 0]
    return mean, std


def base_mean(feats: torch.Tensor, out: torch.Tensor, levels: int) -> torch.Tensor:
    """Per-pixel softmax blend of the interpolants (SetConv levels: how wide to look; line
    slopes: which way to look), chosen by the CNN pixel by pixel; the residual is added on top."""
    return blend(feats[:, 0:2 * levels:2], out, levels)


def blend(interps: torch.Tensor, out: torch.Tensor, levels: int) -> torch.Tensor:
    """`base_mean` from the interpolants alone; channels on dim 1, so maps (n, c, h, w) and
    gathered pixels (rows, c) alike."""
    if levels == 1:
        return interps
    weights = torch.softmax(out[:, :levels], dim=1)
    return (weights * interps).sum(1, keepdim=True)
