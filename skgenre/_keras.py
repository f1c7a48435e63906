"""What every Keras layer of skgenre shares: its serialisation package name."""

import keras

__all__ = ["serializable"]

#: Decorator registering a layer as ``"skgenre>ClassName"`` so saved models
#: load with ``safe_mode=True``.
serializable = keras.saving.register_keras_serializable(package="skgenre")
