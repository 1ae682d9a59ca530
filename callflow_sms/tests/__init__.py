from . import test_install
from . import test_sms_gateway
from . import test_sms_webhook
from . import test_sms_messages
from . import test_sms_counter_tour
from . import test_optout_code
from . import test_sms_trust
from . import test_sms_reconfirm
