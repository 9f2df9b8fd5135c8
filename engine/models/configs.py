"""Typed model configurations: one frozen dataclass per model kind (and per CNN inside the neural
processes). A card's `config` dict is checked against them before any tensor is touched, so a
misspelt or foreign argument is a one-line InputError naming it rather than a TypeError deep in
a constructor. Defaults are the constructors' own, so a card that leaves an argument out builds
the same model as before. Imports without torch (the QGIS plugin lists methods without it)."""
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Optional, Tuple, Union, get_args, get_origin, get_type_hints

from engine.errors import InputError


@dataclass(frozen=True)
class UNetCNNConfig:
    """`engine.models.cnn.UNetCNN` inside a neural process (widths, 3x3 convs per level, the
    first level with band mixing)."""

    channels: Tuple[int, ...] = (16, 32, 48, 64)
    convs: Optional[Tuple[int, ...]] = None
    mix_from: int = 1


@dataclass(frozen=True)
class ResNetCNNConfig:
    """`engine.models.cnn.ResNetCNN`: the paper's depthwise-separable ResNet."""

    channels: int = 128
    layers: int = 10
    kernel_px: int = 9


CNN_CONFIGS = {"unet": UNetCNNConfig, "resnet": ResNetCNNConfig}
CNNConfig = Union[UNetCNNConfig, ResNetCNNConfig]

# The fast CPU backbone: the ConvCNP's CNN, the ConvLNP's encoder and the U-Net baseline share it
# so that comparisons isolate the neural-process parts.
FAST_CHANNELS = (12, 24, 48, 64)
FAST_CONVS = (1, 1, 2, 2)
FAST_UNET_CNN = UNetCNNConfig(channels=FAST_CHANNELS, convs=FAST_CONVS, mix_from=2)
LINE_SLOPES = (-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0)


@dataclass(frozen=True)
class ConvCNPConfig:
    """`engine.models.convcnp.ConvCNP`'s constructor arguments; defaults are the constructor's (the
    shipped `fast` preset sets its own in kinds.py)."""

    cnn: str = "unet"
    cnn_cfg: CNNConfig = UNetCNNConfig()
    setconv_px: int = 9
    decoder_hidden: int = 32
    decoder_layers: int = 2
    band_mix: bool = True
    setconv_levels: int = 1
    setconv_sigma_px: float = 2.0
    setconv_unit_density: bool = False
    line_slopes: Tuple[float, ...] = ()
    line_max_rows: int = 24

    def __post_init__(self):
        _check_cnn(self)


@dataclass(frozen=True)
class ConvLNPConfig:
    """`engine.models.convlnp.ConvLNP`'s constructor arguments (encoder and decoder CNNs, latent
    width, samples in training and at inference)."""

    encoder: str = "unet"
    encoder_cfg: CNNConfig = UNetCNNConfig()
    decoder: str = "unet"
    decoder_cfg: CNNConfig = UNetCNNConfig()
    latent: int = 8
    setconv_px: int = 9
    decoder_hidden: int = 32
    decoder_layers: int = 2
    band_mix: bool = True
    train_samples: int = 4
    eval_samples: int = 8
    setconv_levels: int = 1
    setconv_sigma_px: float = 2.0
    setconv_unit_density: bool = False
    line_slopes: Tuple[float, ...] = ()
    line_max_rows: int = 24

    def __post_init__(self):
        _check_cnn(self)


@dataclass(frozen=True)
class RefConvCNPConfig:
    """The reference-conditioned ConvCNP: a single-image ConvCNP backbone (`base`, so shipped
    ConvCNP weights initialise it) plus a small encoder shared by every reference date."""

    base: ConvCNPConfig = field(default_factory=ConvCNPConfig)
    ref_channels: Tuple[int, ...] = (16, 24)
    diff_px: int = 9
    diff_levels: int = 3
    diff_sigma_px: float = 2.0
    head_hidden: int = 16
    gate_init: float = 1.0
    count_scale: float = 4.0


@dataclass(frozen=True)
class UNetConfig:
    """`engine.models.unet.UNet`: the same backbone as the fast ConvCNP's CNN, so comparisons
    isolate the neural-process parts."""

    channels: Tuple[int, ...] = FAST_CHANNELS
    band_mix: bool = True
    convs: Optional[Tuple[int, ...]] = None
    mix_from: int = 2


@dataclass(frozen=True)
class PartialConvConfig:
    """`engine.models.partialconv.PartialConvUNet`: widths and kernel sizes of the encoder
    levels."""

    channels: Tuple[int, ...] = (16, 32, 64, 96)
    kernels: Tuple[int, ...] = (7, 5, 5, 3)


@dataclass(frozen=True)
class WaterNetConfig:
    """`engine.water.model.WaterNet`: temporal features per date, U-Net widths and the number of
    classes."""

    temporal_channels: int = 12
    channels: Tuple[int, ...] = (16, 32, 48)
    classes: int = 3


# nested CNN config field -> the field that names its CNN kind
_CNN_FIELDS = {"cnn_cfg": "cnn", "encoder_cfg": "encoder", "decoder_cfg": "decoder"}


def _check_cnn(config) -> None:
    """A nested CNN config must be the one its kind field names (a ResNet config for "resnet")."""
    for key, kind_field in _CNN_FIELDS.items():
        if hasattr(config, key):
            kind = getattr(config, kind_field)
            if not isinstance(getattr(config, key), CNN_CONFIGS.get(kind, ())):
                raise InputError(f"{type(config).__name__}: {key} does not describe a {kind!r} "
                                 "CNN")


def parse_config(cls, raw, what: str):
    """`cls` built from a card's `config` dict; anything it does not describe is an InputError
    naming the key (`what` says whose config it is)."""
    if not isinstance(raw, dict):
        raise InputError(f"{what}: config must be a JSON object, got {type(raw).__name__}")
    hints = get_type_hints(cls)
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise InputError(f"{what}: unknown config argument {unknown[0]!r}; {cls.__name__} takes "
                         f"{', '.join(sorted(names))}")
    values = {}
    for key, value in raw.items():
        if key in _CNN_FIELDS:
            continue
        if is_dataclass(hints[key]):      # a nested model config (a backbone)
            values[key] = parse_config(hints[key], value, f"{what} {key}")
            continue
        values[key] = _checked(value, hints[key], f"{what}: config argument {key!r}")
    for key, kind_field in _CNN_FIELDS.items():
        if key not in names:
            continue
        kind = values.get(kind_field, getattr(cls, kind_field))
        if kind not in CNN_CONFIGS:
            raise InputError(f"{what}: config argument {kind_field!r} must be one of "
                             f"{', '.join(CNN_CONFIGS)}, got {kind!r}")
        values[key] = parse_config(CNN_CONFIGS[kind], raw.get(key) or {}, f"{what} {key}")
    return cls(**values)


def _checked(value, hint, what: str):
    """`value` as `hint` wants it (lists become tuples: configs are frozen and hashable)."""
    if get_origin(hint) is Union:                       # Optional[...]
        if value is None:
            return None
        hint = next(a for a in get_args(hint) if a is not type(None))
    if get_origin(hint) is tuple:
        item = get_args(hint)[0]
        if not isinstance(value, (list, tuple)):
            raise InputError(f"{what} must be a list of {item.__name__}, got {value!r}")
        return tuple(_checked(v, item, what) for v in value)
    ok = {bool: lambda v: isinstance(v, bool),
          int: lambda v: isinstance(v, int) and not isinstance(v, bool),
          float: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
          str: lambda v: isinstance(v, str)}[hint](value)
    if not ok:
        raise InputError(f"{what} must be {hint.__name__}, got {value!r}")
    return value


def to_dict(config) -> dict:
    """Plain JSON-ready dict of every argument (tuples as lists): what a card stores."""
    return _listed(asdict(config))


def _listed(value):
    if isinstance(value, dict):
        return {k: _listed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_listed(v) for v in value]
    return value


def constructor_kwargs(config) -> dict:
    """Keyword arguments of the model's constructor (nested CNN configs as dicts, as
    `engine.models.cnn.build_cnn` takes them)."""
    def value(name):
        v = getattr(config, name)
        if name in _CNN_FIELDS:
            return asdict(v)
        return constructor_kwargs(v) if is_dataclass(v) else v
    return {f.name: value(f.name) for f in fields(config)}
