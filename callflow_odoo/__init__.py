import sys

from . import controllers
from . import models
from . import wizard


def _callflow_post_load():
    """Parse every addon manifest once, at server start, in one thread.

    CPython 3.11 before 3.11.8 may raise "SystemError: AST constructor
    recursion depth mismatch" when several threads run ``ast.parse`` at the
    same time (python/cpython#106905). Odoo parses manifests lazily, in the
    first asset requests of a page, which a browser sends concurrently: the
    first page after a restart could then load without its styles. With the
    manifests cached beforehand (about 0.2 s), those requests parse nothing.
    """
    if sys.version_info >= (3, 11, 8):
        return
    from odoo.modules import module

    for name in module.get_modules():
        module._get_manifest_cached(name)
