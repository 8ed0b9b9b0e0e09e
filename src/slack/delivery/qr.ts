import QRCode from 'qrcode';

/**
 * The enrolment QR code as a PNG, made here (qrcode 1.5.4): the `otpauth://` URI carries the TOTP
 * secret, so it must never go to an online QR service.
 */
export function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 6 });
}
