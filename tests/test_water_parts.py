"""The water package piece by piece: the GSW rule, band mapping, reflectance factors, the
network (any number of dates, tiles = whole scene), checksummed weights, the QGIS style, and the
teacher's spectral tests on measured spectra."""
import os
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import rasterio
from rasterio.windows import Window

from engine.errors import InputError
from engine.io import open_scene
from engine.water.bands import parse_band_list, select_bands
from engine.water.classes import CLASS_COLOURS, CLASS_NAMES, seasonality
from engine.water.radiometry import calibration_for
from tests.conftest import DATA, ROOT

CROP = DATA / "menindee_water" / "menindee_20100508.tif"
STYLE = ROOT / "resources" / "styles" / "water_classes.qml"


def test_gsw_rule():
    water = np.array([[[1, 0, 1, 0]], [[1, 0, 0, 1]]], bool)   # 2 dates x 1 x 4
    valid = np.array([[[1, 1, 1, 0]], [[1, 1, 1, 0]]], bool)
    assert seasonality(water, valid).tolist() == [[3, 1, 2, 0]]
    one_date = np.array([[[1, 1]], [[0, 0]]], bool)               # second date invalid
    assert seasonality(np.array([[[1, 0]], [[0, 0]]], bool), one_date).tolist() == [[3, 1]]


def test_band_mapping():
    assert select_bands(("B3 red", "B4 nir", "B5 swir1")) == (0, 1, 2)
    names = ("B1 blue", "B2 green", "B3 red", "B4 nir", "B5 swir1", "B7 swir2")
    assert select_bands(names) == (2, 3, 4)
    oli = ("B2 blue", "B3 green", "B4 red", "B5 nir", "B6 swir1", "B7 swir2")
    assert select_bands(oli) == (2, 3, 4)
    assert select_bands(("band 1", "band 2", "band 3")) == (0, 1, 2)
    assert select_bands(names, parse_band_list("3,4,5")) == (2, 3, 4)
    with pytest.raises(InputError, match="--bands"):
        select_bands(("band 1", "band 2", "band 3", "band 4"))
    with pytest.raises(InputError, match="exactly three"):
        select_bands(names, (1, 2))
    with pytest.raises(InputError, match="comma-separated"):
        parse_band_list("red,nir,swir")


def test_reflectance_factors_per_product_type(tmp_path):
    with open_scene(str(CROP)) as scene:
        cal = calibration_for(str(CROP), scene, (0, 1, 2))
    assert cal.mult == (1e-4,) * 3 and "tags" in cal.source
    product = str(DATA / "lethbridge_le07_256")
    with open_scene(product) as scene:
        cal = calibration_for(product, scene, (2, 3, 4))
    # Level-1 TOA: MTL REFLECTANCE_MULT_BAND_3 / sin(sun elevation 48.18 deg)
    assert "top-of-atmosphere" in cal.source
    assert cal.mult[0] == pytest.approx(1.3102e-3 / np.sin(np.radians(48.18206465)))
    plain = tmp_path / "plain.tif"
    with rasterio.open(CROP) as src:
        profile, data = src.profile, src.read()
    with rasterio.open(plain, "w", **profile) as dst:
        dst.write(data)
    with open_scene(str(plain)) as scene:
        assert calibration_for(str(plain), scene, (0, 1, 2)).mult == (1e-4,) * 3
    profile.update(dtype="uint8", nodata=0)
    with rasterio.open(tmp_path / "dn.tif", "w", **profile) as dst:
        dst.write(np.clip(data // 40, 1, 255).astype("uint8"))
    with open_scene(str(tmp_path / "dn.tif")) as scene:
        with pytest.raises(InputError, match="8-bit"):
            calibration_for(str(tmp_path / "dn.tif"), scene, (0, 1, 2))
        assert calibration_for(str(tmp_path / "dn.tif"), scene, (0, 1, 2), 0.004).mult[0] == 0.004


@pytest.fixture(scope="module")
def model_and_crop():
    from engine.water.weights import load_model

    model, card = load_model("cpu")
    with open_scene(str(CROP)) as scene:
        raw = scene.read(Window(200, 180, 160, 128))
        invalid = scene.invalid(Window(200, 180, 160, 128), raw).any(0)
    refl = np.where(invalid, 0, raw * 1e-4).astype(np.float32)
    return model, card, refl, ~invalid


def test_any_number_of_dates(model_and_crop):
    import torch

    model, _, refl, valid = model_and_crop
    r1, v1 = torch.from_numpy(refl)[None, None], torch.from_numpy(valid)[None, None]
    r0, v0 = torch.zeros_like(r1), torch.zeros_like(v1)
    with torch.no_grad():
        for t in (1, 2, 3, 4):
            assert model(r1.repeat(1, t, 1, 1, 1), v1.repeat(1, t, 1, 1)).shape == \
                (1, 3) + valid.shape
        two = model(torch.cat([r1, r1 * 0.8], 1), torch.cat([v1, v1], 1))
        # a fully clouded date before or after the others is the same as no date at all
        after = model(torch.cat([r1, r1 * 0.8, r0], 1), torch.cat([v1, v1, v0], 1))
        before = model(torch.cat([r0, r1, r1 * 0.8], 1), torch.cat([v0, v1, v1], 1))
    assert torch.allclose(two, after, atol=1e-5) and torch.allclose(two, before, atol=1e-5)


def test_tiles_give_the_whole_scene_answer(model_and_crop):
    from engine.water.predict import classify_arrays

    model, _, refl, valid = model_and_crop
    r, v = np.stack([refl, refl]), np.stack([valid, valid])
    whole = classify_arrays(model, r, v, tile_px=512)
    tiled = classify_arrays(model, r, v, tile_px=64)      # 6 tiles with a 32 px halo
    assert (whole == tiled).all()
    assert set(np.unique(whole)) <= {0, 1, 2, 3}


def test_weights_are_small_checksummed_and_pickle_free(model_and_crop, tmp_path):
    from engine.water.weights import DEFAULT_CARD, load_model, read_card

    _, card, _, _ = model_and_crop
    assert card.info["bands"] == ["red", "nir", "swir1"]
    assert os.path.getsize(card.weights) < 2_000_000
    with open(card.weights, "rb") as fh:
        assert fh.read(16)[8:9] == b"{"          # safetensors: 8-byte length, then JSON
    copy = tmp_path / os.path.basename(DEFAULT_CARD)
    shutil.copy(DEFAULT_CARD, copy)
    weights = tmp_path / os.path.basename(read_card().weights)
    data = bytearray(open(card.weights, "rb").read())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(InputError, match="checksum"):
        load_model("cpu", str(copy))


def test_qgis_style_matches_the_raster_palette():
    entries = ET.parse(STYLE).getroot().findall(".//paletteEntry")
    assert [int(e.get("value")) for e in entries] == [1, 2, 3]
    for e in entries:
        k = int(e.get("value"))
        assert e.get("label") == CLASS_NAMES[k]
        assert e.get("color") == "#%02x%02x%02x" % CLASS_COLOURS[k][:3]
    assert ET.parse(STYLE).getroot().find(".//rasterrenderer").get("type") == "paletted"


def test_teacher_rule_on_measured_spectra():
    from training.water.teacher import water_rns

    red, nir, swir1 = (np.array(v) for v in zip(
        (0.265, 0.143, 0.003),   # turbid Menindee lake, May 2010
        (0.194, 0.085, 0.006),   # same lake, January 2010
        (0.222, 0.314, 0.382),   # dry land, Menindee
        (0.085, 0.088, 0.081),   # fresh burn scar, Corumba 2019 (TOA)
        (0.800, 0.700, 0.100),   # snow
    ))
    assert water_rns(red, nir, swir1).tolist() == [True, True, False, False, False]


@pytest.mark.parametrize("dates", (1, 2, 3, 5))
def test_the_date_convolutions_as_2d_ones_equal_torch_s_3d_convolution(dates):
    """The water network computes its two Conv3d layers as 2-D convolutions (torch's CPU 3-D
    convolution builds a whole-tile im2col buffer for some tile shapes: 1.2 GB at 552 x 576 px);
    the values must be Conv3d's, with its zero padding over the dates."""
    torch = pytest.importorskip("torch")
    from engine.water.model import WaterNet, _across_dates_conv, _per_date_conv

    torch.manual_seed(0)
    net = WaterNet().eval()
    x = torch.rand(2, 7, dates, 36, 44)
    f = torch.rand(2, 12, dates, 36, 44)
    with torch.no_grad():
        torch.testing.assert_close(_per_date_conv(net.per_date, x), net.per_date(x),
                                   atol=1e-5, rtol=0)
        torch.testing.assert_close(_across_dates_conv(net.across_dates, f), net.across_dates(f),
                                   atol=1e-5, rtol=0)


def test_the_water_evaluation_fills_from_the_other_dates_when_the_method_does():
    """The downstream evaluation imputes each date as the water job does: a method that fills
    from other dates gets the scene's other dates (training.water.augment.fill). On the real
    Lethbridge pair (tests/data/lethbridge_pair_128: Landsat 7 2000-08-21 gapped with simulated
    stripes, the Landsat 5 date 40 days earlier as its other date) NSPI with the other date must
    beat the same call without it (then its single-image fallback) by at least 10 % gap RMSE
    (measured: 5.4 against 7.9 DN);
    pixels outside the gaps come back unchanged."""
    from types import SimpleNamespace

    from engine.gaps.simulate import SlcOffGeometry, burn_gaps, simulate_slc_off_mask
    from training.water.augment import fill

    pair = DATA / "lethbridge_pair_128"
    with open_scene(str(pair / "le07_20000821.tif")) as sc:
        profile = sc.profile
        target = sc.read(Window(0, 0, profile.width, profile.height))
    with open_scene(str(pair / "lt05_20000712.tif")) as sc:
        other = sc.read(Window(0, 0, profile.width, profile.height))
    gaps = simulate_slc_off_mask(profile.height, profile.width,
                                 SlcOffGeometry(pixel_size_m=30.0, latitude_deg=50.0), seed=5,
                                 center_u=0.9)
    scene = SimpleNamespace(profile=profile)
    corrupted = burn_gaps(target, gaps, profile.nodata)

    def rmse(filled):
        return float(np.sqrt(np.mean((filled[:, gaps].astype(float) - target[:, gaps]) ** 2)))

    alone = fill(scene, corrupted, "nspi", only=gaps, date="2000-08-21")
    with_other = fill(scene, corrupted, "nspi", only=gaps, date="2000-08-21",
                      others=[(other, "2000-07-12")])
    assert rmse(with_other) < 0.9 * rmse(alone), (rmse(with_other), rmse(alone))
    np.testing.assert_array_equal(with_other[:, ~gaps], corrupted[:, ~gaps])
