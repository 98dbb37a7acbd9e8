"""Recognising person-level columns: what makes a file patient-level data, whatever it claims.

A file with a column that identifies or describes one person (an NHS number in any spelling, a
pseudonymised id, a person's name, a date of birth) is patient-level data. Such a file is never
imported as an asset register or any other kind that stores rows as they are; it can only be a
segment extract, aggregated on import (:mod:`phdesk.core.imports.patient_level`), and nothing phdesk
says about it repeats a value from it (see docs/ARCHITECTURE.md, "Reliability").

Headers are compared after splitting ``camelCase`` (``NHSNumber`` -> ``nhs number``), lower-casing
and folding punctuation, then squashed (``nhs_no`` -> ``nhsno``).
"""

from __future__ import annotations

import re

# the NHS number, plain or pseudonymised: NHS No, NHSNumber, nhs_number, pseudo_nhs_id, NHS_NUM
_NHS = re.compile(r"(?:pseudo(?:nymi[sz]ed)?|hashed|encrypted|masked|patient|person|de)*"
                  r"nhs(?:no|num|nbr|number|id|ident|identifier)"
                  r"(?:pseudo(?:nymi[sz]ed)?|hashed|encrypted|masked|key|id)*")
# a pseudonymised person id
_PSEUDO_ID = re.compile(r"(?:sk)?(?:pseudo(?:nymi[sz]ed)?)?(?:patient|person|client|resident|"
                        r"serviceuser|citizen)(?:pseudo(?:nymi[sz]ed)?)?(?:id|key|no|number|"
                        r"identifier|pseudonym|pseudoid|ref|reference)|pseudo(?:nymi[sz]ed)?(?:id|"
                        r"key)?|pseudonym|pseudo(?:patient|person)(?:id|key)?")
# a person's name
_NAME = re.compile(r"(?:patient|person|client|resident)?(?:forenames?|surname|firstname|lastname|"
                   r"givennames?|familyname|middlenames?|christianname|maidenname)|"
                   r"(?:patient|person|client|resident)(?:full)?name")
# a date (or year, month) of birth
_BIRTH = re.compile(r"(?:patient|person)?(?:dob|dateofbirth|birthdate|birthdt|dobdate|yob|"
                    r"yearofbirth|birthyear|monthofbirth|birthmonth|mob)(?:ddmmyyyy|yyyymmdd|"
                    r"date)?")


def squash(name: str) -> str:
    """``'Pseudo NHS ID'`` -> ``'pseudonhsid'``; camelCase split first (``NHSNumber``)."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", str(name))
    return "".join(ch for ch in s.lower() if ch.isascii() and ch.isalnum())


def person_role(name: str) -> str | None:
    """``'NHS number'``, ``'pseudonymised id'``, ``'name'``, ``'date of birth'`` or None."""
    s = squash(name)
    if not s:
        return None
    if _NHS.fullmatch(s):
        return "NHS number"
    if _PSEUDO_ID.fullmatch(s.replace(" ", "")):
        return "pseudonymised id"
    if _NAME.fullmatch(s):
        return "name"
    if _BIRTH.fullmatch(s):
        return "date of birth"
    return None


def person_columns(columns: list[str]) -> dict[str, str]:
    """Columns that identify or describe a person, with what each is (``{column: role}``)."""
    return {c: role for c in columns if (role := person_role(c)) is not None}


def person_id_column(columns: list[str]) -> str | None:
    """The column that identifies the person (NHS number or a pseudonymised id), if any."""
    for c, role in person_columns(columns).items():
        if role in ("NHS number", "pseudonymised id"):
            return c
    return None


def describe(found: dict[str, str]) -> str:
    """``"NHS No (NHS number), DOB (date of birth)"`` for messages (column names, no values)."""
    return ", ".join(f"{c} ({role})" for c, role in list(found.items())[:5])
