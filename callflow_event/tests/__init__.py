from . import test_event_registration
