from . import phone
from . import purposes
from . import dnc_import
from . import ledger_csv
from . import dialer_sql
from . import preference_events
