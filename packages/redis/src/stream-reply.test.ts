import { MedicError } from '@medic/domain';
import { fieldsToRecord, parseAutoClaimReply, parseReadReply } from './stream-reply';

describe('stream replies', () => {
  it('reads entries of an XREADGROUP reply, with null fields for entries deleted while pending', () => {
    const reply = [['kills', [['1-0', ['payload', '{}', 'extra', 'x']], ['2-0', null]]]];
    expect(parseReadReply(reply)).toEqual([
      { id: '1-0', fields: { payload: '{}', extra: 'x' } },
      { id: '2-0', fields: null },
    ]);
  });

  it('reads a timed-out XREADGROUP (nil) as no entries', () => {
    expect(parseReadReply(null)).toEqual([]);
  });

  it('reads XAUTOCLAIM replies of Redis 7 (with deleted ids) and 6.2 (nil for deleted entries)', () => {
    expect(parseAutoClaimReply(['5-0', [['3-0', ['n', '1']]], ['4-0']])).toEqual({
      cursor: '5-0',
      entries: [{ id: '3-0', fields: { n: '1' } }],
      deletedIds: ['4-0'],
    });
    expect(parseAutoClaimReply(['0-0', [null, ['3-0', ['n', '1']]]])).toEqual({
      cursor: '0-0',
      entries: [{ id: '3-0', fields: { n: '1' } }],
      deletedIds: [],
    });
  });

  it('keeps the last value of a repeated field, and decodes buffers as UTF-8', () => {
    expect(fieldsToRecord(['reason', 'first', 'reason', 'second', Buffer.from('k'), Buffer.from('é')])).toEqual({ reason: 'second', k: 'é' });
  });

  it('rejects a reply of an unexpected shape with a MedicError', () => {
    expect(() => parseReadReply('OK')).toThrow(MedicError);
    expect(() => parseAutoClaimReply([42, []])).toThrow(expect.objectContaining({ code: 'redis_protocol' }));
  });
});
