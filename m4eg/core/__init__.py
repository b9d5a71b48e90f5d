"""Mechanisms shared by every domain: permissions, i18n, audit, mail, forms, errors."""
