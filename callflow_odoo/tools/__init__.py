from . import phone
from . import purposes
from . import ledger_csv
