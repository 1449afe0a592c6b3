"""Layers, under Keras's names (and the short aliases Keras also exports: ``MaxPool2D`` is
``MaxPooling2D``, ``Convolution2D`` is ``Conv2D``, ...)."""

from handkeras.layers.activations.activation import Activation
from handkeras.layers.activations.elu import ELU
from handkeras.layers.activations.leaky_relu import LeakyReLU
from handkeras.layers.activations.prelu import PReLU
from handkeras.layers.activations.relu import ReLU
from handkeras.layers.activations.softmax import Softmax
from handkeras.layers.augmentation.auto_contrast import AutoContrast
from handkeras.layers.augmentation.cut_mix import CutMix
from handkeras.layers.augmentation.equalization import Equalization
from handkeras.layers.augmentation.mix_up import MixUp
from handkeras.layers.augmentation.random_brightness import RandomBrightness
from handkeras.layers.augmentation.random_color_degeneration import RandomColorDegeneration
from handkeras.layers.augmentation.random_contrast import RandomContrast
from handkeras.layers.augmentation.random_crop import RandomCrop
from handkeras.layers.augmentation.random_erasing import RandomErasing
from handkeras.layers.augmentation.random_flip import RandomFlip
from handkeras.layers.augmentation.random_gaussian_blur import RandomGaussianBlur
from handkeras.layers.augmentation.random_grayscale import RandomGrayscale
from handkeras.layers.augmentation.random_hue import RandomHue
from handkeras.layers.augmentation.random_invert import RandomInvert
from handkeras.layers.augmentation.random_posterization import RandomPosterization
from handkeras.layers.augmentation.random_rotation import RandomRotation
from handkeras.layers.augmentation.random_saturation import RandomSaturation
from handkeras.layers.augmentation.random_sharpness import RandomSharpness
from handkeras.layers.augmentation.random_shear import RandomShear
from handkeras.layers.augmentation.random_translation import RandomTranslation
from handkeras.layers.augmentation.random_zoom import RandomZoom
from handkeras.layers.augmentation.solarization import Solarization
from handkeras.layers.convolutional.conv1d import Conv1D
from handkeras.layers.convolutional.conv1d_transpose import Conv1DTranspose
from handkeras.layers.convolutional.conv2d import Conv2D
from handkeras.layers.convolutional.conv2d_transpose import Conv2DTranspose
from handkeras.layers.convolutional.conv3d import Conv3D
from handkeras.layers.convolutional.conv3d_transpose import Conv3DTranspose
from handkeras.layers.convolutional.depthwise_conv1d import DepthwiseConv1D
from handkeras.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from handkeras.layers.convolutional.separable_conv1d import SeparableConv1D
from handkeras.layers.convolutional.separable_conv2d import SeparableConv2D
from handkeras.layers.core.dense import Dense
from handkeras.layers.core.einsum_dense import EinsumDense
from handkeras.layers.core.embedding import Embedding
from handkeras.layers.core.identity import Identity
from handkeras.layers.core.input_layer import Input, InputLayer
from handkeras.layers.core.lambda_layer import Lambda
from handkeras.layers.core.masking import Masking
from handkeras.layers.layer import Layer
from handkeras.layers.layer_serialization import deserialize, serialize
from handkeras.layers.normalization.batch_normalization import BatchNormalization
from handkeras.layers.normalization.group_normalization import GroupNormalization
from handkeras.layers.normalization.layer_normalization import LayerNormalization
from handkeras.layers.normalization.rms_normalization import RMSNormalization
from handkeras.layers.normalization.spectral_normalization import SpectralNormalization
from handkeras.layers.normalization.unit_normalization import UnitNormalization
from handkeras.layers.pooling.adaptive_pooling import (
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
    AdaptiveMaxPooling3D,
)
from handkeras.layers.pooling.average_pooling1d import AveragePooling1D
from handkeras.layers.pooling.average_pooling2d import AveragePooling2D
from handkeras.layers.pooling.average_pooling3d import AveragePooling3D
from handkeras.layers.pooling.global_pooling import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
)
from handkeras.layers.pooling.max_pooling1d import MaxPooling1D
from handkeras.layers.pooling.max_pooling2d import MaxPooling2D
from handkeras.layers.preprocessing.category_encoding import CategoryEncoding
from handkeras.layers.pooling.max_pooling3d import MaxPooling3D
from handkeras.layers.preprocessing.center_crop import CenterCrop
from handkeras.layers.preprocessing.discretization import Discretization
from handkeras.layers.preprocessing.normalization import Normalization
from handkeras.layers.preprocessing.pipeline import Pipeline
from handkeras.layers.preprocessing.rescaling import Rescaling
from handkeras.layers.preprocessing.resizing import Resizing
from handkeras.layers.regularization.activity_regularization import ActivityRegularization
from handkeras.layers.regularization.alpha_dropout import AlphaDropout
from handkeras.layers.regularization.dropout import Dropout
from handkeras.layers.regularization.gaussian_dropout import GaussianDropout
from handkeras.layers.regularization.gaussian_noise import GaussianNoise
from handkeras.layers.regularization.spatial_dropout import SpatialDropout1D, SpatialDropout2D
from handkeras.layers.reshaping.cropping1d import Cropping1D
from handkeras.layers.reshaping.cropping2d import Cropping2D
from handkeras.layers.reshaping.cropping3d import Cropping3D
from handkeras.layers.reshaping.flatten import Flatten
from handkeras.layers.reshaping.permute import Permute
from handkeras.layers.reshaping.repeat_vector import RepeatVector
from handkeras.layers.reshaping.reshape import Reshape
from handkeras.layers.reshaping.up_sampling1d import UpSampling1D
from handkeras.layers.reshaping.up_sampling2d import UpSampling2D
from handkeras.layers.reshaping.up_sampling3d import UpSampling3D
from handkeras.layers.reshaping.zero_padding1d import ZeroPadding1D
from handkeras.layers.reshaping.zero_padding2d import ZeroPadding2D
from handkeras.layers.reshaping.zero_padding3d import ZeroPadding3D
from handkeras.layers.rnn.bidirectional import Bidirectional
from handkeras.layers.rnn.gru import GRU, GRUCell
from handkeras.layers.rnn.lstm import LSTM, LSTMCell
from handkeras.layers.rnn.rnn import RNN
from handkeras.layers.rnn.simple_rnn import SimpleRNN, SimpleRNNCell
from handkeras.layers.rnn.stacked_rnn_cells import StackedRNNCells
from handkeras.layers.rnn.time_distributed import TimeDistributed

# Keras's aliases: the same classes under a second name (configs keep the class's own name).
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
AvgPool3D = AveragePooling3D
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
MaxPool3D = MaxPooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3D = Conv3D
Convolution3DTranspose = Conv3DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D

__all__ = ["Activation", "ActivityRegularization", "AdaptiveAveragePooling1D",
           "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D",
           "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "AlphaDropout", "AutoContrast",
           "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D",
           "AvgPool3D", "BatchNormalization", "Bidirectional", "CategoryEncoding", "CenterCrop",
           "Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
           "Convolution1D", "Convolution1DTranspose", "Convolution2D", "Convolution2DTranspose",
           "Convolution3D", "Convolution3DTranspose", "Cropping1D", "Cropping2D", "Cropping3D",
           "CutMix", "Dense", "DepthwiseConv1D", "DepthwiseConv2D", "Discretization", "Dropout",
           "EinsumDense", "ELU", "Embedding", "Equalization", "Flatten", "GaussianDropout",
           "GaussianNoise", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
           "GlobalAveragePooling3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
           "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalMaxPooling1D",
           "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GroupNormalization", "GRU", "GRUCell",
           "Identity", "Input", "InputLayer", "Lambda", "Layer", "LayerNormalization", "LeakyReLU",
           "LSTM", "LSTMCell", "Masking", "MaxPool1D", "MaxPool2D", "MaxPool3D", "MaxPooling1D",
           "MaxPooling2D", "MaxPooling3D", "MixUp", "Normalization", "Permute", "Pipeline",
           "PReLU", "RandomBrightness", "RandomColorDegeneration", "RandomContrast", "RandomCrop",
           "RandomErasing", "RandomFlip", "RandomGaussianBlur", "RandomGrayscale", "RandomHue",
           "RandomInvert", "RandomPosterization", "RandomRotation", "RandomSaturation",
           "RandomSharpness", "RandomShear", "RandomTranslation", "RandomZoom", "ReLU",
           "RepeatVector", "Rescaling", "Reshape", "Resizing", "RMSNormalization", "RNN",
           "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D",
           "SeparableConvolution2D", "SimpleRNN", "SimpleRNNCell", "Softmax", "Solarization",
           "SpatialDropout1D", "SpatialDropout2D", "SpectralNormalization", "StackedRNNCells",
           "TimeDistributed", "UnitNormalization", "UpSampling1D", "UpSampling2D", "UpSampling3D",
           "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "deserialize", "serialize"]
