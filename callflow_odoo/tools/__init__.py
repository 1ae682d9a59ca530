from . import phone
from . import purposes
