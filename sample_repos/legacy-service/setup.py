from setuptools import find_packages, setup

setup(name="legacy-orders", version="0.3", packages=find_packages())
