"""Band matching across Landsat sensors, on real product metadata."""
import pytest

from engine.errors import InputError
from engine.io import open_scene
from engine.io.bands import canonical_names, match_bands, name_from_file

L8_TARBALL = "LC08_L2SP_204023_20200927_20201006_02_T1-cropped.tar.gz"


def profile_names(path):
    with open_scene(path) as scene:
        return canonical_names(scene.profile.band_names, scene.profile.tags.get("SPACECRAFT_ID"))


def test_landsat8_target_matches_landsat7_reference_by_name(data_dir):
    l8 = profile_names(data_dir / L8_TARBALL)
    l7 = profile_names(data_dir / "lethbridge_le07_256")
    assert l7 == ("blue", "green", "red", "nir", "swir1", "swir2")
    assert set(l8) >= {"blue", "green", "red", "nir", "swir1", "swir2"}
    matched = match_bands(l8, l7)
    for i, name in enumerate(l8):
        assert matched[i] == (l7.index(name) if name in l7 else None)
    assert matched[l8.index("nir")] == 3   # OLI B5 <-> ETM+ B4
    assert matched[l8.index("swir2")] == 5  # OLI B7 <-> ETM+ B7
    assert None in matched or "coastal" not in l8  # OLI coastal has no TM/ETM+ twin


def test_reference_lacking_bands_and_descriptions():
    assert match_bands(("red", "nir", "swir1"), ("blue", "green", "red", "nir")) == (2, 3, None)
    assert canonical_names(("Red", "NIR08", "SWIR 1", "swir2", "thermal")) == (
        "red", "nir", "swir1", "swir2", None)
    assert canonical_names(("B5", "band 4"), "LANDSAT_8") == ("nir", "red")
    assert canonical_names(("B5", "band 4"), "LANDSAT_5") == ("swir1", "nir")


@pytest.mark.parametrize("file, name", [
    ("LC08_L1TP_041027_20150604_20170226_01_T1_B5.TIF", "nir"),
    ("LE70410272007125EDC00_B4.TIF", "nir"),
    ("LT50410271997153PAC02_B7.TIF", "swir2"),
    ("LC09_L2SP_041027_20220604_20220606_02_T1_SR_B6.TIF", "swir1"),
    ("some_image.tif", None),
])
def test_names_from_landsat_file_names(file, name):
    assert name_from_file(file) == name


def test_unnamed_rasters_with_equal_band_counts_match_in_order():
    assert match_bands((None, None, None), (None, None, None)) == (0, 1, 2)


def test_no_common_band_is_one_clear_input_error():
    with pytest.raises(InputError) as err:
        match_bands(("red", "nir"), ("blue", "green"), label="reference 2007-05-05")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("reference 2007-05-05 shares no band with the target")
