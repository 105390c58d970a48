"""The author's F0 and energy contours, predicted sound by sound (voices.conversion.contours): the table on
synthetic contours, then the real converter with Kokoro voice A converted toward voice B."""

import numpy as np
import pytest

from voices.conversion import ParallelPair, contours, world
from voices.conversion.knn import KnnWorldConverter


def tone(frames: int, start: int, stop: int, hz: float = 120.0, slope: float = 0.0) -> np.ndarray:
    f0 = np.zeros(frames)
    f0[start:stop] = hz * np.exp(slope * np.linspace(-1, 1, stop - start))
    return f0


def test_relative_log_f0_is_centred_and_bridges_unvoiced_frames():
    f0 = tone(100, 10, 90, slope=0.2)
    f0[40:50] = 0.0
    relative = contours.relative_log_f0(f0)
    assert abs(relative[f0 > 0].mean()) < 1e-9
    assert np.all(np.isfinite(relative)) and relative[40] <= relative[45] <= relative[49]  # rising across the gap
    assert not contours.relative_log_f0(np.zeros(30)).any()  # nothing voiced: no contour, no error


def test_the_table_returns_the_offsets_of_the_matching_contour_shape():
    energy = np.linspace(-1, 1, 200)
    rising, falling = tone(200, 20, 180, slope=0.3), tone(200, 20, 180, slope=-0.3)
    # The author exaggerates rises (x2) and flattens falls (x0.5): offsets of opposite sign for the two shapes.
    table = contours.fit_table(
        [contours.keys(rising, energy), contours.keys(falling, energy)],
        [contours.offsets(rising, energy, tone(200, 20, 180, slope=0.6), energy, 1.0),
         contours.offsets(falling, energy, tone(200, 20, 180, slope=-0.15), energy, 1.0)])
    assert table["contour_keys"].shape == (400, 3 * len(contours.CONTEXT))
    assert not table["contour_offsets"][:, 1].any()  # the same energy contour on both sides: no energy offset
    predicted = contours.predict(rising, energy, table, k=1, smooth=1)
    assert np.allclose(predicted, table["contour_offsets"][:200], atol=1e-6)
    late = slice(150, 180)  # a rise ends high: the author goes higher still; a fall ends low: less low
    assert predicted[late, 0].mean() > 0.05
    assert contours.predict(falling, energy, table, k=1, smooth=1)[late, 0].mean() > 0.05
    assert contours.predict(rising, energy, table, k=1, smooth=1)[:40, 0].mean() < -0.05


@pytest.mark.models
@pytest.mark.slow
def test_the_converter_moves_the_contours_toward_the_authors(kokoro_engine):
    """Fitted with the contour table, the converted F0 and energy differ from the engine's own contours; without the
    table (contour_k=0, or a voice fitted before it existed) the conversion is exactly the old one."""
    from test_conversion import FIT, HELD, SOURCE, TARGET, say

    pairs = [ParallelPair(*say(kokoro_engine, t, SOURCE), *say(kokoro_engine, t, TARGET), t, "zh") for t in FIT]
    # Three short sentences: under 20 s of readings, so the offsets count in proportion by default.
    seconds = sum(len(world.trim_silence(*say(kokoro_engine, t, TARGET))) for t in FIT) / 24000
    assert float(KnnWorldConverter().fit(pairs)["contour_weight"]) == pytest.approx(seconds / 20, abs=0.02)
    fitted = KnnWorldConverter(contour_full_seconds=1.0).fit(pairs)
    assert float(fitted["contour_weight"]) == 1.0
    plain = KnnWorldConverter(contour_k=0).fit(pairs)
    assert "contour_keys" not in plain and fitted["contour_keys"].shape[0] == fitted["keys"].shape[0]
    assert fitted["contour_keys"].dtype == np.float16 and tuple(fitted["contour_options"]) == (8, 11)
    with pytest.raises(ValueError):
        KnnWorldConverter(contour_k=-1)
    source = say(kokoro_engine, HELD, SOURCE)
    converter = KnnWorldConverter()
    without = {k: v for k, v in fitted.items() if not k.startswith("contour_")}
    flat = converter.convert(*source, without)[0]
    assert np.array_equal(flat, converter.convert(*source, plain)[0])
    shaped = world.analyze(converter.convert(*source, fitted)[0], 24000)
    unshaped = world.analyze(flat, 24000)
    both = (shaped.f0 > 0) & (unshaped.f0 > 0)
    moved = np.abs(np.log(shaped.f0[both]) - np.log(unshaped.f0[both]))
    assert 0.01 < np.median(moved) < 0.3  # semitone-scale changes, not a different pitch altogether
    # A zero weight (no readings to speak of) is the engine's own contours again.
    assert np.allclose(converter.convert(*source, {**fitted, "contour_weight": np.array(0.0)})[0], flat, atol=1e-6)
