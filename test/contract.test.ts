// The library's static knowledge agrees with the contract header, as the addon reports it:
// if either side changes alone, these fail.
import { describe, expect, it } from 'vitest';
import { contract, driverStatsFields, miniportStateFields, NtStatus, ntStatusName, faultKindNames } from '../dist/index.js';

describe('contract', () => {
  it('DriverStats lists the driver\'s MH_STATS fields in order', () => {
    expect([...driverStatsFields]).toEqual(contract.statsFields);
  });

  it('MiniportState lists the miniport\'s MP_STATE fields in order', () => {
    expect([...miniportStateFields]).toEqual(contract.miniport.stateFields);
    expect(contract.miniport.stateSize).toBe(8 * miniportStateFields.length);
  });

  it('every status the driver chooses has a name in the NtStatus table', () => {
    for (const [choice, value] of Object.entries(contract.statuses)) {
      expect(ntStatusName(value), choice).not.toMatch(/^0x/);
    }
    expect(contract.statuses.NO_HOST).toBe(NtStatus.STATUS_DEVICE_REMOVED);
    expect(contract.statuses.SESSION_DROPPED).toBe(NtStatus.STATUS_CANCELLED);
    expect(contract.statuses.CONTEXT_DESTROYED).toBe(NtStatus.STATUS_INSTANCE_NOT_AVAILABLE);
  });

  it('every fault kind of the library exists in the contract, and the reverse', () => {
    expect(Object.values(faultKindNames).sort()).toEqual(Object.keys(contract.faultKinds).sort());
  });

  it('exposes the limits the driver enforces', () => {
    expect(contract.limits.maxMessageBytes).toBe(65536);
    expect(contract.limits.receiveBufferMin).toBeGreaterThan(contract.limits.maxMessageBytes);
    expect(contract.devicePath).toBe('\\\\.\\MiracastHil');
  });

  it('exports the IOCTL codes, METHOD_BUFFERED with the access each needs, in the customer range', () => {
    for (const [name, code] of Object.entries(contract.ioctls)) {
      expect(code >>> 16, name).toBe(0xa15c);          // device type
      expect(code & 3, name).toBe(0);                  // METHOD_BUFFERED
      expect((code >>> 14) & 3, name).not.toBe(0);     // never FILE_ANY_ACCESS
      expect((code >>> 2) & 0xfff, name).toBeGreaterThanOrEqual(0x800);
    }
    expect(contract.ioctls.ECHO).toBe(0xa15ce004);
  });

  it('names unknown statuses by their hex value', () => {
    expect(ntStatusName(0xc0001234)).toBe('0xC0001234');
    expect(ntStatusName(-1073741536)).toBe('STATUS_CANCELLED');
  });
});
