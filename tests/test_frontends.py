"""The front-end registry, and the contract between a front-end and the engine."""

import dataclasses

import pytest

from skgenre import WindowEmbedder, WindowMFCCTransformer
from skgenre.frontends._extraction import FrontEnd
from skgenre.frontends.registry import FRONT_ENDS, make_front_end, transformer_classes


def test_registry_names_each_front_end_once():
    assert list(FRONT_ENDS) == ["musicnn", "mfcc", "logmel"]
    assert transformer_classes() == {
        "WindowEmbedder": WindowEmbedder,
        "WindowMFCCTransformer": WindowMFCCTransformer,
    }
    with pytest.raises(TypeError):
        FRONT_ENDS["other"] = FRONT_ENDS["mfcc"]  # read-only


@pytest.mark.parametrize(
    "name, cls, described",
    [
        ("musicnn", WindowEmbedder, {"features": "embedding"}),
        ("mfcc", WindowMFCCTransformer, {"features": "mfcc", "n_mels": 128}),
        ("logmel", WindowMFCCTransformer, {"features": "logmel", "n_mels": 64}),
    ],
)
def test_each_front_end_describes_its_windows(name, cls, described):
    front_end = make_front_end(name, n_jobs=1)
    assert type(front_end) is cls and front_end.n_jobs == 1
    assert front_end.classifier_params() == described


def test_registered_parameters_can_be_overridden_and_are_validated():
    assert make_front_end("mfcc", n_mels=40).classifier_params()["n_mels"] == 40
    with pytest.raises(ValueError, match="invalid name='chroma'"):
        make_front_end("chroma")
    with pytest.raises(ValueError, match="invalid n_mels=0"):
        make_front_end("mfcc", n_mels=0).classifier_params()


@pytest.mark.parametrize("cls", [WindowEmbedder, WindowMFCCTransformer])
def test_the_engine_contract_is_a_frozen_front_end(cls):
    transformer = cls()
    settings = transformer.feature_settings()
    front_end = transformer._front_end(settings)
    assert isinstance(front_end, FrontEnd)
    assert front_end.window_shape == settings.window_shape + (
        (1,) if cls is WindowMFCCTransformer else ()
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        front_end.window_shape = (1,)
