from . import main
from . import optout_code
from . import reconfirm
