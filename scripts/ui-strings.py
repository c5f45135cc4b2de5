# Adds or updates console strings in Ui.resx (Simplified Chinese, the default) and Ui.en.resx (English).
# Usage: python3 scripts/ui-strings.py FILE.tsv   (run from the repository root)
# TSV lines: key<TAB>中文<TAB>English
import sys, xml.etree.ElementTree as ET, os
import pathlib
base = str(pathlib.Path(__file__).resolve().parent.parent / 'src/CoServe/Platform/Localization') + '/'
HEADER = '''<?xml version="1.0" encoding="utf-8"?>
<root>
  <resheader name="resmimetype"><value>text/microsoft-resx</value></resheader>
  <resheader name="version"><value>2.0</value></resheader>
  <resheader name="reader"><value>System.Resources.ResXResourceReader, System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089</value></resheader>
  <resheader name="writer"><value>System.Resources.ResXResourceWriter, System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089</value></resheader>
'''
def load(path):
    d = {}
    if os.path.exists(path):
        for e in ET.parse(path).getroot().findall('data'):
            d[e.get('name')] = e.find('value').text or ''
    return d
def save(path, d):
    from xml.sax.saxutils import escape, quoteattr
    with open(path, 'w', encoding='utf-8') as f:
        f.write(HEADER)
        for k in sorted(d):
            f.write(f'  <data name={quoteattr(k)} xml:space="preserve"><value>{escape(d[k])}</value></data>\n')
        f.write('</root>\n')
zh = load(base + 'Ui.resx'); en = load(base + 'Ui.en.resx')
for line in open(sys.argv[1], encoding='utf-8'):
    line = line.rstrip('\n')
    if not line.strip() or line.startswith('#'): continue
    k, z, e = line.split('\t')
    zh[k] = z; en[k] = e
save(base + 'Ui.resx', zh); save(base + 'Ui.en.resx', en)
print(len(zh), 'strings')
