import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { errorReportCsv, neutraliseFormula, restoreNeutralisedCell, toCsvLine } from './csv-writer';

describe('neutraliseFormula', () => {
  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\t=1', "'\t=1"],
    ['\r=1', "'\r=1"],
    ['＝1+1', "'＝1+1"],
    ['luna.live', 'luna.live'],
    ['a=b', 'a=b'],
    ['', ''],
  ])('%j → %j', (cell, expected) => expect(neutraliseFormula(cell)).toBe(expected));
});

describe('toCsvLine', () => {
  it.each([
    [['a', 'b'], ',', 'a,b\r\n'],
    [['a,b', 'c'], ',', '"a,b",c\r\n'],
    [['say "hi"'], ',', '"say ""hi"""\r\n'],
    [['two\nlines'], ',', '"two\nlines"\r\n'],
    [['x;y'], ',', '"x;y"\r\n'], // quoted for semicolon locales too
    [[' padded'], ',', '" padded"\r\n'],
    [['=HYPERLINK("http://evil")'], ',', '"\'=HYPERLINK(""http://evil"")"\r\n'],
    [[-5, 1.5, null, undefined, NaN], ',', '-5,1.5,,,\r\n'],
    [['a', 'b;c'], ';', 'a;"b;c"\r\n'],
  ] as Array<[(string | number | null | undefined)[], ',' | ';', string]>)('%j with %j → %j', (cells, delimiter, expected) => {
    expect(toCsvLine(cells, delimiter)).toBe(expected);
  });

  it('round-trips through papaparse with every formula neutralised', () => {
    const cells = ['=1+1', 'a,"b"\nc', '@SUM(1)', 'plain', '-3'];
    const parsed = Papa.parse<string[]>(toCsvLine(cells).trimEnd()).data[0];
    expect(parsed).toEqual(["'=1+1", 'a,"b"\nc', "'@SUM(1)", 'plain', "'-3"]);
  });
});

describe('errorReportCsv', () => {
  it('writes a BOM, a header and one line per error', () => {
    const csv = errorReportCsv([{ line: 5, message: 'Diamonds: "twelve" is not a number' }, { line: 9, message: '=cmd' }]);
    expect(csv).toBe('\ufeffLine,Problem\r\n5,"Diamonds: ""twelve"" is not a number"\r\n9,\'=cmd\r\n');
  });
});

describe('restoreNeutralisedCell', () => {
  it.each([
    ["'@luna", '@luna'],
    ["'-5", '-5'],
    ["'=SUM(A1)", '=SUM(A1)'],
    ["'tis", "'tis"],
    ["'", "'"],
    ['plain', 'plain'],
  ])('%s → %s', (cell, expected) => expect(restoreNeutralisedCell(cell)).toBe(expected));
});
