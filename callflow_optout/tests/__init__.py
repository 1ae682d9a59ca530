from . import test_install
from . import test_optout_token
from . import test_optout_page
from . import test_optout_tour
from . import test_optin_capture
from . import test_optout_lift
from . import test_optout_limits
from . import test_optout_input
