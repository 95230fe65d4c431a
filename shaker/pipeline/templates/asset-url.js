// A file imported from JavaScript (an image, a font, `?url`): its public URL.
export default __SHAKER_URL__;
