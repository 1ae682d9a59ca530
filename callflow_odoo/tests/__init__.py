from . import test_install
from . import test_preference_ledger
from . import test_preference_contact
from . import test_caller_number
from . import test_directory_http
from . import test_phone_tools
from . import test_dialer_eligibility
from . import test_dialer_build
