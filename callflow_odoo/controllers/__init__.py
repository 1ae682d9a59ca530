from . import directory
from . import voice
from . import api
