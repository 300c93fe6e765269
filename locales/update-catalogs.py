#!/usr/bin/env python3
"""Brings locales/*.po in line with the strings the code uses.

Scans templates/ and src/ for tr.t("…"), tr.tf("…", …), tr.tn("…", "…", n) and
msg!("…"), then rewrites every catalog: keys in source order, existing
translations kept, new keys added with an empty translation, unused keys dropped.
The Rust test `catalogs_cover_every_key` checks the same thing in CI.
Usage: python3 locales/update-catalogs.py
"""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
STRING = r'"((?:[^"\\]|\\.)*)"'
SINGLE = re.compile(r'(?:\btr\.tf?\(|\bmsg!\()\s*' + STRING)
PLURAL = re.compile(r'\btr\.tn\(\s*' + STRING + r'\s*,\s*' + STRING)


def unescape(s):
    return s.replace('\\"', '"').replace('\\\\', '\\')


def keys():
    found = {}
    files = sorted(ROOT.glob('templates/**/*.*')) + sorted(ROOT.glob('src/**/*.rs'))
    for path in files:
        text = path.read_text(encoding='utf-8')
        for m in PLURAL.finditer(text):
            found.setdefault(unescape(m.group(1)), unescape(m.group(2)))
        for m in SINGLE.finditer(text):
            found.setdefault(unescape(m.group(1)), None)
    return found


def parse(path):
    entries, header = {}, ''
    if not path.exists():
        return header, entries
    blocks = path.read_text(encoding='utf-8').strip().split('\n\n')
    for block in blocks:
        msgid, forms, current = None, {}, None
        lines = [l for l in block.splitlines() if not l.startswith('#')]
        for line in lines:
            if line.startswith('msgid_plural '):
                current = 'plural'
            elif line.startswith('msgid '):
                msgid, current = line[6:].strip()[1:-1], 'id'
            elif line.startswith('msgstr['):
                idx = int(line[7:line.index(']')])
                forms[idx] = line[line.index(']') + 1:].strip()[1:-1]
                current = idx
            elif line.startswith('msgstr '):
                forms[0] = line[7:].strip()[1:-1]
                current = 0
            elif line.startswith('"'):
                if current == 'id':
                    msgid += line[1:-1]
                elif isinstance(current, int):
                    forms[current] += line[1:-1]
        if msgid == '':
            header = block
        elif msgid is not None:
            entries[msgid] = forms
    return header, entries


def quote(s):
    return '"' + s + '"'


def escape(s):
    return s.replace('\\', '\\\\').replace('"', '\\"')


def main():
    used = keys()
    for path in sorted((ROOT / 'locales').glob('*.po')):
        header, old = parse(path)
        out = [header]
        for key, plural in used.items():
            k = escape(key)
            forms = old.get(k, {})
            if plural is None:
                out.append(f'msgid {quote(k)}\nmsgstr {quote(forms.get(0, ""))}')
            else:
                out.append(
                    f'msgid {quote(k)}\nmsgid_plural {quote(escape(plural))}\n'
                    f'msgstr[0] {quote(forms.get(0, ""))}\nmsgstr[1] {quote(forms.get(1, ""))}'
                )
        path.write_text('\n\n'.join(out) + '\n', encoding='utf-8')
        missing = sum(1 for k in used if not any(old.get(escape(k), {}).values()))
        print(f'{path.name}: {len(used)} keys, {missing} without translation')


if __name__ == '__main__':
    main()
