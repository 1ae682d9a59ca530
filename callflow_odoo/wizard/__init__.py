from . import callflow_preference_event_wizard
from . import callflow_call_log
from . import callflow_list_add_wizard
from . import callflow_preference_import
from . import callflow_ledger_export
from . import callflow_callback_reassign
from . import callflow_api_key_show
