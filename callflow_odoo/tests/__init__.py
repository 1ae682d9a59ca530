from . import test_install
from . import test_preference_ledger
from . import test_preference_contact
