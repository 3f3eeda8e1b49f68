import { TickBatch } from '../../src/shared/tick-batch';

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('TickBatch', () => {
  it('writes what was pushed in one turn of the event loop together, and the next turn apart', async () => {
    const writes: number[][] = [];
    const batch = new TickBatch<number>(async (b) => void writes.push(b), 100);
    batch.push(1);
    batch.push(2);
    batch.push(3);
    expect(writes).toEqual([]); // nothing before the turn ends
    await nextTurn();
    batch.push(4);
    await nextTurn();
    expect(writes).toEqual([[1, 2, 3], [4]]);
  });

  it('writes early once the weight reaches the bound', async () => {
    const writes: string[][] = [];
    const batch = new TickBatch<string>(async (b) => void writes.push(b), 5, (s) => s.length);
    batch.push('ab');
    batch.push('cde'); // weight 5: written at once
    expect(writes).toEqual([['ab', 'cde']]);
    batch.push('f');
    await nextTurn();
    expect(writes).toEqual([['ab', 'cde'], ['f']]);
  });
});
