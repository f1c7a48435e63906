"""The feature front-ends by name: what pipelines, the CLI and model files read.

A front-end is a :class:`~skgenre.frontends._base.BaseWindowTransformer` subclass:
audio file paths in, window features out.  Adding one costs its module and
one entry in :data:`FRONT_ENDS`; :func:`skgenre.pipelines.make_pipeline`,
the command line's ``--features`` and model files (:mod:`skgenre.persistence`)
all read this registry.  The classifier's settings that depend on what the
windows hold come from the transformer itself
(``BaseWindowTransformer.classifier_params``).
"""

from dataclasses import dataclass, field
from types import MappingProxyType

from .._validation import check_choice
from .embedder import WindowEmbedder
from .mfcc import WindowMFCCTransformer

__all__ = ["FRONT_ENDS", "FrontEndSpec", "make_front_end", "transformer_classes"]


@dataclass(frozen=True)
class FrontEndSpec:
    """A registered front-end: its transformer class and fixed parameters.

    Parameters
    ----------
    transformer : type
        A :class:`~skgenre.frontends._base.BaseWindowTransformer` subclass.
    params : mapping, default={}
        Parameters that make this front-end of the class (e.g.
        ``{"features": "logmel"}``); other parameters keep their defaults.
    help : str, default=""
        One line for the command line's help.
    """

    transformer: type
    params: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    help: str = ""


#: Name -> front-end.  The first is the default of the command line and of
#: :func:`skgenre.pipelines.make_pipeline`.
FRONT_ENDS = MappingProxyType(
    {
        "musicnn": FrontEndSpec(
            WindowEmbedder,
            help="pretrained musicnn embeddings of 3 s windows (recommended)",
        ),
        "mfcc": FrontEndSpec(
            WindowMFCCTransformer,
            MappingProxyType({"features": "mfcc"}),
            help="MFCCs of 5 s windows for the reference CNN, learned from scratch",
        ),
        "logmel": FrontEndSpec(
            WindowMFCCTransformer,
            MappingProxyType({"features": "logmel"}),
            help="log-mel bands of 5 s windows for the reference CNN",
        ),
    }
)


def make_front_end(name, **params):
    """The transformer of a registered front-end.

    Parameters
    ----------
    name : str
        A key of :data:`FRONT_ENDS`.
    **params
        Further parameters of its transformer.

    Returns
    -------
    transformer : BaseWindowTransformer
        Unfitted.
    """
    check_choice("make_front_end", "name", name, tuple(FRONT_ENDS))
    spec = FRONT_ENDS[name]
    return spec.transformer(**{**spec.params, **params})


def transformer_classes():
    """The registered transformer classes by class name.

    Returns
    -------
    classes : dict of str to type
    """
    return {spec.transformer.__name__: spec.transformer for spec in FRONT_ENDS.values()}
