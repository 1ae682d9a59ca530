from . import directory
from . import voice
