from . import client_network
