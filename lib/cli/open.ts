// Opening the device for a command: closed again however the command ends.
import { openDevice, type MiracastDevice } from '../device';

export async function withDevice<T>(use: (device: MiracastDevice) => Promise<T>): Promise<T> {
  const device = await openDevice();
  try {
    return await use(device);
  } finally {
    await device.close();
  }
}
