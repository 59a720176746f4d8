"""NumPy's huge-page advice is off inside ``make data`` and as before after it (:mod:`pipeline.pages`)."""

from __future__ import annotations

import pytest

from pipeline.pages import _advice_setter, small_pages


@pytest.mark.parametrize("before", [True, False])
def test_numpy_asks_for_no_huge_pages_inside_the_block_and_as_before_after(before: bool) -> None:
    setter = _advice_setter()
    assert setter is not None, "the NumPy of the environment has its switch (numpy >= 1.26)"
    saved = setter(before)
    try:
        with small_pages():
            # The switch returns the state it replaces: off inside the block.
            assert setter(False) is False
        assert setter(before) is before
    finally:
        setter(saved)


def test_the_advice_comes_back_after_an_error_inside_the_block() -> None:
    setter = _advice_setter()
    assert setter is not None
    saved = setter(True)
    try:
        with pytest.raises(RuntimeError), small_pages():
            raise RuntimeError("échec du chargement")
        assert setter(True) is True
    finally:
        setter(saved)
