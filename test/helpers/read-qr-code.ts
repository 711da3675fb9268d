/**
 * Reads a QR code the way a phone would: the page's <img> is drawn into a canvas in the browser,
 * its pixels come back, and jsqr (a decoding library, not our code) reads them. Answers the text,
 * or undefined when no code could be read.
 */
import jsqr from 'jsqr';
import type { Page } from 'playwright-core';

// jsqr is CommonJS with `exports.default`; under NodeNext its default import types as the module.
const jsQR = jsqr.default;

export async function readQrCode(page: Page, imageId: string): Promise<string | undefined> {
  const pixels = (await page.evaluate(`((id) => {
    const img = document.getElementById(id);
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    return { width: canvas.width, height: canvas.height, data: Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data) };
  })(${JSON.stringify(imageId)})`)) as { width: number; height: number; data: number[] };
  return jsQR(Uint8ClampedArray.from(pixels.data), pixels.width, pixels.height)?.data;
}
