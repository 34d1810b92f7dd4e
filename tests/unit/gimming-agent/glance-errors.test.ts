/**
 * Glance's error bodies as the test bed's Glance (zone-a, :9292) sends them, captured from it: flat JSON
 * with `<br />` when asked for JSON, webob's text/plain page otherwise, and webob's HTML page.
 */
import assert from 'node:assert/strict';
import { glanceFailure, glanceMessage } from '../../../src/gimming-agent/drivers/glance/errors';

// GET /v2/images/<unknown> with Accept: application/json.
const FLAT_404 =
  '{"message": "No image found with ID 00000000-0000-0000-0000-000000000000<br /><br />\\n\\n\\n", "code": "404 Not Found", "title": "Not Found"}';
// POST /v2/images {"visibility": "public"} as a member, with Accept: application/json.
const FLAT_403 =
  '{"message": "You are not authorized to complete publicize_image action.<br /><br />\\n\\n\\n", "code": "403 Forbidden", "title": "Forbidden"}';
// The same 404 without Accept: text/plain.
const TEXT_404 = '404 Not Found\n\nNo image found with ID 00000000-0000-0000-0000-000000000000\n\n   ';
// webob's HTML page (Accept: text/html).
const HTML_409 =
  '<html>\n <head>\n  <title>409 Conflict</title>\n </head>\n <body>\n  <h1>409 Conflict</h1>\n  Image status transition from active to active is not allowed<br /><br />\n\n\n\n </body>\n</html>';

describe('Glance error bodies', () => {
  it("reads Glance's flat JSON, without <br /> or the JSON around it", () => {
    assert.equal(glanceMessage(FLAT_404), 'No image found with ID 00000000-0000-0000-0000-000000000000');
    assert.equal(glanceMessage(FLAT_403), 'You are not authorized to complete publicize_image action.');
  });

  it("reads webob's text page without its status line", () => {
    assert.equal(glanceMessage(TEXT_404), 'No image found with ID 00000000-0000-0000-0000-000000000000');
  });

  it("reads webob's HTML page without tags, title or heading", () => {
    assert.equal(glanceMessage(HTML_409), 'Image status transition from active to active is not allowed');
  });

  it('keeps a nested JSON error and a bare status line', () => {
    assert.equal(glanceMessage('{"badRequest": {"message": "bad size", "code": 400}}'), 'bad size');
    assert.equal(glanceMessage('503 Service Unavailable'), '503 Service Unavailable');
    assert.equal(glanceMessage(''), 'no reason given');
  });

  it('puts the clean message in the error the user sees', () => {
    const err = glanceFailure('zone-a', { status: 403, text: FLAT_403 }, 'Creating the image');
    assert.equal(
      err.message,
      'Creating the image in cloud zone-a is not allowed: You are not authorized to complete publicize_image action.',
    );
    assert.doesNotMatch(err.message, /<br|\{"|"code"/);
  });
});
