// The IOCTL codes the koffi peer passes to DeviceIoControl, from the contract header (the addon
// exports them as contract.ioctls), so the peer and the driver cannot disagree.
import { contract } from '../dist/index.mjs';

export const IOCTL = Object.freeze({
  ECHO: contract.ioctls.ECHO,
  CREATE_CONTEXT: contract.ioctls.CREATE_CONTEXT,
  DESTROY_CONTEXT: contract.ioctls.DESTROY_CONTEXT,
  SEND_MESSAGE: contract.ioctls.SEND_MESSAGE,
  CONFIGURE_RESPONDER: contract.ioctls.CONFIGURE_RESPONDER,
});

export const hex = (code) => `0x${code.toString(16).toUpperCase().padStart(8, '0')}`;
