"""Datasets: genre-labelled audio files from disk, and synthetic songs.

Loaders (:mod:`skgenre.datasets._base`) return ``(paths, labels)``, ready
for a scikit-learn pipeline whose first step reads audio from paths:

* :func:`load_folder` lists the audio files of a tree with one sub-folder per
  genre (the layout of GTZAN and of most home-made genre collections).
* :func:`load_csv` reads a table with ``path`` and ``genre`` columns, and
  :func:`load_labelled` either a folder tree or such a table.
* :func:`load_cc_music` lists the few freely licensed real recordings
  shipped in ``skgenre/data/`` with their genres.
* :func:`load_gtzan` reads a local GTZAN copy, by default the subsets of
  the artist-disjoint fault-filtered split (Kereliuk et al., 2015), whose
  lists ship in ``skgenre/data/gtzan/`` (:func:`gtzan_split`).

* :func:`load_library` reads a music library's own genres from its tags
  (canonical names, several per song, aliases, rare genres dropped), with
  the untagged songs apart: the labels ``skgenre library --learn`` learns.

With ``return_groups=True``, :func:`load_folder`, :func:`load_csv` and
:func:`load_cc_music` also return each song's group, its artist (from the
files' tags, or a CSV column), for artist-aware cross-validation.

The generator (:mod:`skgenre.datasets._samples_generator`):

* :func:`make_songs` writes small synthetic songs of several genres to disk.
  It is the package's analogue of :func:`sklearn.datasets.make_classification`:
  it needs no download, is deterministic given ``random_state`` and yields a
  task that MFCC statistics can learn but that is not trivial, since songs of
  one genre vary in tempo, key, melody, gain and mix.

:data:`AUDIO_EXTENSIONS`, the extensions :func:`load_folder` accepts, lives
in :mod:`skgenre.audio` and is re-exported here.
"""

from ..audio import AUDIO_EXTENSIONS
from ._base import load_cc_music, load_csv, load_folder, load_labelled
from ._gtzan import GTZAN_GENRES, gtzan_split, load_gtzan
from ._library import load_library
from ._samples_generator import make_songs

__all__ = [
    "AUDIO_EXTENSIONS",
    "GTZAN_GENRES",
    "gtzan_split",
    "load_cc_music",
    "load_csv",
    "load_folder",
    "load_gtzan",
    "load_labelled",
    "load_library",
    "make_songs",
]
