"""Issuing authorities (发文机关): who issues the annual list, and how their names compare.

The annual list is the work of two ministries acting jointly. 发改高技〔2021〕484号 is itself
issued by both (its 落款 "国家发展改革委 / 科技部" and its two 联系人), and names both as the
authors of every step that concerns the list:

- §三（二） 制定清单: "国家发展改革委、科技部汇总各地提出的改革举措建议……将含金量高的改革举措
  列入《全面改革创新举措清单》，征求有关部门意见并修改完善";
- §三（三） 悬榜揭榜: "国家发展改革委、科技部及时公布《年度全面改革创新举措清单》……
  国家发展改革委、科技部汇总揭榜结果，并采取适当形式下达揭榜任务通知书".

So a version of the list is published (公布) by "国家发展改革委、科技部", and neither of the two
is one of the 有关部门 whose opinion is asked on it (§三（二）): they are the ones asking.

Several authorities are written in one field, separated by "、" as 484号 separates them in its
text ("国家发展改革委、科技部"); the first is the host (主办机关), as GB/T 9704-2012 7.2.1 and
7.3.5 ask for a joint document. The names are data in the documents' own words, not
translated.
"""

import re
from collections.abc import Iterable

SEPARATOR = "、"

# 发改高技〔2021〕484号 §三（二）（三）: the list is drawn up and published by these two.
ANNUAL_LIST_ISSUERS = "国家发展改革委、科技部"

# The platform's table of the names the national authorities are written under: the full name
# (全称) and the usual short names, each mapped to the name the sources use. Only for comparing
# names (is the department consulted one of the issuers?); what was typed is stored as typed.
ALIASES = {
    "国家发展和改革委员会": "国家发展改革委",
    "国家发改委": "国家发展改革委",
    "科学技术部": "科技部",
    "工信部": "工业和信息化部",
}

_SEPARATORS = re.compile(r"[、，,；;\s]+")
_SPACES = re.compile(r"\s+")
_NOTE = re.compile(r"[（(][^（）()]*[）)]$")


def names(authorities: str) -> list[str]:
    """The authorities written in one field, host first: "国家发展改革委、科技部" → both."""
    return [name for name in _SEPARATORS.split(authorities.strip()) if name]


def joined(authorities: str) -> str:
    """The field as it is stored and shown: the names separated by "、"."""
    return SEPARATOR.join(names(authorities))


def canonical(name: str) -> str:
    """The name the sources use: spaces and a trailing note in brackets (such as the demo's
    "（演示）") dropped, a full or other short name replaced by the sources' short name."""
    name = _SPACES.sub("", name)
    while _NOTE.search(name):
        name = _NOTE.sub("", name)
    for alias, short in ALIASES.items():
        if name.startswith(alias):
            return short + name[len(alias) :]
    return name


def issuer_among(department: str, authorities: Iterable[str]) -> str | None:
    """The issuing authority `department` is, or belongs to (a 司 or 办公厅 of it), if any.

    "科学技术部" and "科技部成果转化与区域创新司" are both 科技部; "四川省科技厅" is not."""
    name = canonical(department)
    if not name:
        return None
    for authority in authorities:
        issuer = canonical(authority)
        if issuer and name.startswith(issuer):
            return authority
    return None
