from . import client_network
from . import links
from . import answer_form
