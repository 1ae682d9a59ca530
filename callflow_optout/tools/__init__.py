from . import client_network
from . import links
