from . import directory
from . import voice
from . import inbound
from . import api
