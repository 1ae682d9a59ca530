from . import res_config_settings
from . import sms_sms
from . import callflow_sms_template
from . import callflow_list
from . import callflow_list_entry
from . import sms_tracker
from . import callflow_optout_code
from . import callflow_sms_inbound
