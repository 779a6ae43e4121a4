"""rnnlib: the recurrent cells of the course "Written Memories", in numpy, with checked gradients.

Importing rnnlib only loads numpy; plots and widgets import matplotlib and ipywidgets
themselves, when used.
"""

from .autograd import Tensor, sigmoid
from .cells import (
    CELLS,
    GRU,
    BasicLSTM,
    Cell,
    GateProbe,
    NormalizedPrototype,
    PeepholeLSTM,
    PrototypeLSTM,
    PseudoLSTM,
    VanillaRNN,
    make_cell,
    random_cell,
)
from .init import INITIALIZERS, get_initializer
from .unroll import BPTTResult, Trajectory, bptt, run

__all__ = [
    "CELLS",
    "GRU",
    "INITIALIZERS",
    "BPTTResult",
    "BasicLSTM",
    "Cell",
    "GateProbe",
    "NormalizedPrototype",
    "PeepholeLSTM",
    "PrototypeLSTM",
    "PseudoLSTM",
    "Tensor",
    "Trajectory",
    "VanillaRNN",
    "bptt",
    "get_initializer",
    "make_cell",
    "random_cell",
    "run",
    "sigmoid",
]
__version__ = "0.1.0"
