"""Packages the Callflow addons as ``odoo.addons.callflow_*``.

``pip install .`` puts them under ``site-packages/odoo/addons/``, where an
installed Odoo 18.0 finds them through ``odoo.addons.__path__`` without any
``--addons-path`` entry.  Odoo must itself be a regular package (a normal
install, or an editable one in ``compat`` mode); see README.md.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

ADDONS = ["callflow_odoo", "callflow_optout", "callflow_sms", "callflow_event"]

packages = []
package_dir = {}
package_data = {"": ["*"]}
for addon in ADDONS:
    for pkg in find_namespace_packages(
        include=[addon, f"{addon}.*"], exclude=["*.__pycache__"]
    ):
        packages.append(f"odoo.addons.{pkg}")
        package_dir[f"odoo.addons.{pkg}"] = pkg.replace(".", "/")
    # Migration scripts live in folders named after versions (18.0.1.1.0),
    # which are not packages: ship them as data of ``migrations``.
    package_data[f"odoo.addons.{addon}.migrations"] = ["*/*.py"]

setup(
    name="callflow-odoo-addons",
    version="18.0.1.0.0",
    description="Callflow: dialer lists, call results, caller-number directory, "
    "SMS with opt-out links and an opt-out page for Odoo 18.0",
    long_description=Path("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    author="Callflow",
    license="LGPL-3",
    python_requires=">=3.10",
    packages=packages,
    package_dir=package_dir,
    package_data=package_data,
    include_package_data=True,
    install_requires=["phonenumbers>=8.13", "vobject>=0.9.6", "requests>=2.25"],
    zip_safe=False,
    classifiers=[
        "Framework :: Odoo",
        "Framework :: Odoo :: 18.0",
        "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
        "Programming Language :: Python :: 3",
    ],
)
