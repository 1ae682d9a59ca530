from . import callflow_caller_number
from . import res_company
