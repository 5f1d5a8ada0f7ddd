// desk/camera: scanning with the camera of a phone or tablet, for desks without a USB scanner.
// A camera button beside a scan field ([data-camera-for="FIELD-ID"]) opens a live view; a code
// read goes into the field and its form is submitted, as a scanner types the code and presses
// Enter, so the screen answers (and beeps) as for any scan. Item fields keep the camera open
// for the next item; a borrower field ([data-camera-once]) closes it after one card.
//
// Frames are read by the browser's BarcodeDetector where it reads Code 128 and QR codes, else
// by ZXing (web/vendor/zxing.min.js, copied from npm by contrib/lib.sh), loaded on first use
// from our own origin, so the page's CSP allows it. A label's QR code holds the item's public
// address, .../i/CODE: the code is taken from it.
import { t } from '../i18n.js';

const FORMATS = ['code_128', 'qr_code'];
const INTERVAL_MS = 120; // between two attempts to read a frame
const SAME_CODE_MS = 2500; // the same code read again within this is the same scan
const MAX_WIDTH = 960; // frames are read at most this wide

let zxing = null;

/** ZXing's global, loaded once. */
function loadZxing() {
  zxing ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/vendor/zxing.min.js';
    script.onload = () => resolve(window.ZXing);
    script.onerror = () => {
      zxing = null;
      reject(new Error('the barcode reader could not be loaded'));
    };
    document.head.append(script);
  });
  return zxing;
}

/** A function that reads a code from a canvas, or null: the browser's own, else ZXing. */
async function makeReader() {
  if ('BarcodeDetector' in window) {
    const supported = await window.BarcodeDetector.getSupportedFormats().catch(() => []);
    if (FORMATS.every((f) => supported.includes(f))) {
      const detector = new window.BarcodeDetector({ formats: FORMATS });
      return async (canvas) => (await detector.detect(canvas))[0]?.rawValue ?? null;
    }
  }
  const Z = await loadZxing();
  const reader = new Z.MultiFormatReader();
  reader.setHints(new Map([
    [Z.DecodeHintType.POSSIBLE_FORMATS, [Z.BarcodeFormat.CODE_128, Z.BarcodeFormat.QR_CODE]],
    [Z.DecodeHintType.TRY_HARDER, true],
  ]));
  return async (canvas) => {
    const { data, width, height } = canvas.getContext('2d', { willReadFrequently: true })
      .getImageData(0, 0, canvas.width, canvas.height);
    const luminance = new Uint8ClampedArray(width * height);
    for (let i = 0, p = 0; i < luminance.length; i++, p += 4)
      luminance[i] = (data[p] * 77 + data[p + 1] * 150 + data[p + 2] * 29) >> 8;
    try {
      const bitmap = new Z.BinaryBitmap(new Z.HybridBinarizer(new Z.RGBLuminanceSource(luminance, width, height)));
      return reader.decodeWithState(bitmap).getText();
    } catch {
      return null; // nothing readable in this frame
    }
  };
}

/** The code a read holds: a label's QR address gives the code at its end. */
export function codeOf(text) {
  const m = /^https?:\/\/[^/]+(?:\/[^?#]*)?\/i\/([^/?#]+)$/.exec(text.trim());
  if (!m) return text.trim();
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/** Make every camera button of the page work (hidden where the browser has no camera access). */
export function initCameras() {
  const dialog = document.getElementById('camera-dialog');
  const video = document.getElementById('camera-video');
  const status = document.getElementById('camera-status');
  const canvas = document.createElement('canvas');
  let session = null; // { input, once, stream, timer, last, lastAt }

  function stop() {
    if (!session) return;
    clearTimeout(session.timer);
    for (const track of session.stream?.getTracks() || []) track.stop();
    video.srcObject = null;
    const { input } = session;
    session = null;
    if (dialog.open) dialog.close();
    input.focus();
  }

  async function tick(read) {
    const s = session;
    if (!s) return;
    if (video.readyState >= 2 && video.videoWidth) {
      const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      canvas.getContext('2d', { willReadFrequently: true }).drawImage(video, 0, 0, canvas.width, canvas.height);
      const text = await read(canvas).catch(() => null);
      if (session !== s) return;
      const code = text && codeOf(text);
      if (code && !(code === s.last && Date.now() - s.lastAt < SAME_CODE_MS)) {
        s.last = code;
        s.lastAt = Date.now();
        status.textContent = t('desk.camera.read', { code });
        s.input.value = code;
        s.input.form.requestSubmit(); // as Enter after a scan
        if (s.once) {
          stop();
          return;
        }
      }
    }
    s.timer = setTimeout(() => tick(read), INTERVAL_MS);
  }

  async function open(input, once) {
    session = { input, once, stream: null, timer: null, last: null, lastAt: 0 };
    const s = session;
    status.textContent = t('desk.camera.starting');
    dialog.showModal();
    try {
      const [stream, read] = await Promise.all([
        navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false }),
        makeReader(),
      ]);
      if (session !== s) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      s.stream = stream;
      video.srcObject = stream;
      await video.play();
      status.textContent = t('desk.camera.aim');
      tick(read);
    } catch {
      if (session === s) status.textContent = t('desk.camera.failed');
    }
  }

  // Esc closes the camera, and only the camera (the desk's Esc would also leave the screen).
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    event.stopPropagation();
    stop();
  });
  dialog.addEventListener('close', stop);
  document.getElementById('camera-close').addEventListener('click', stop);

  const usable = Boolean(navigator.mediaDevices?.getUserMedia);
  for (const button of document.querySelectorAll('[data-camera-for]')) {
    button.hidden = !usable; // no camera outside a secure context (https or this machine)
    button.addEventListener('click', () => open(document.getElementById(button.dataset.cameraFor),
      button.hasAttribute('data-camera-once')));
  }
}
