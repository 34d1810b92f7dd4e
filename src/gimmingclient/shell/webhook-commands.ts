/**
 * `gimming webhook create|list|show|delete|deliveries|ping`: a project's receivers of its notifications.
 */
import type { Command } from 'commander';
import type { WebhookDeliveryView, WebhookView } from '../client';
import { type Run, reportError } from './command-kit';
import { type Shell, listOutput, showOutput } from './context';
import type { Row } from './output';

const WEBHOOK_COLUMNS = ['ID', 'Name', 'URL', 'Event Types'];
const DELIVERY_COLUMNS = ['ID', 'Event Type', 'Status', 'Attempts', 'Response', 'Created At'];
const DELIVERY_LONG = ['Last Error', 'Next Attempt At', 'Delivered At', 'Message ID'];

function webhookRow(w: WebhookView): Row {
  return { ID: w.id, Name: w.name, URL: w.url, 'Event Types': w.event_types.join(', ') };
}

function webhookFields(w: WebhookView): Row {
  return { ...w, event_types: w.event_types.join(', ') };
}

function deliveryRow(d: WebhookDeliveryView): Row {
  return {
    ID: d.id,
    'Event Type': d.event_type,
    Status: d.status,
    Attempts: d.attempts,
    Response: d.response_status,
    'Created At': d.created_at,
    'Last Error': d.last_error,
    'Next Attempt At': d.next_attempt_at,
    'Delivered At': d.delivered_at,
    'Message ID': d.message_id,
  };
}

export function registerWebhookCommands(program: Command, shell: Shell, run: Run): void {
  const webhook = program
    .command('webhook')
    .description("receivers of the project's notifications (HMAC-signed POSTs)");
  showOutput(
    webhook
      .command('create')
      .description('register a webhook; its secret is shown this once')
      .argument('<url>', 'where the notifications are POSTed (http or https)')
      .option('--name <name>', 'a name (default: the URL host)')
      .option(
        '--event-type <pattern>',
        'notifications to receive, e.g. image.*, *.end (repeatable; default: every one)',
        (v: string, acc: string[] = []) => [...acc, v],
      ),
  ).action(
    run(async (url: string, opts: Record<string, unknown>) => {
      const hook = await shell.client.webhooks.create({
        url,
        ...(opts.name ? { name: opts.name as string } : {}),
        ...(opts.eventType ? { eventTypes: opts.eventType as string[] } : {}),
      });
      shell.printOne(webhookFields(hook), opts);
    }),
  );
  listOutput(
    webhook
      .command('list')
      .description("list the project's webhooks")
      .option('--all-projects', 'every project (administrators)'),
  ).action(
    run(async (opts: Record<string, unknown>) => {
      const hooks = await shell.client.webhooks.list(opts.allProjects ? { allProjects: true } : {});
      shell.printList(WEBHOOK_COLUMNS, hooks.map(webhookRow), opts);
    }),
  );
  showOutput(
    webhook.command('show').description('show a webhook').argument('<webhook>', 'the webhook ID'),
  ).action(
    run(async (id: string, opts: Record<string, unknown>) => {
      shell.printOne(webhookFields(await shell.client.webhooks.get(id)), opts);
    }),
  );
  webhook
    .command('delete')
    .description('delete webhooks and their delivery history')
    .argument('<webhook...>', 'webhook IDs')
    .action(
      run(async (ids: string[]) => {
        let failed = 0;
        for (const id of ids) {
          try {
            await shell.client.webhooks.delete(id);
          } catch (err) {
            failed += 1;
            reportError(shell, err, `Failed to delete webhook ${id}`);
          }
        }
        return failed > 0 ? 1 : 0;
      }),
    );
  listOutput(
    webhook
      .command('deliveries')
      .description("list a webhook's deliveries, newest first")
      .argument('<webhook>', 'the webhook ID')
      .option('--status <status>', 'pending, delivered or failed')
      .option('--limit <n>', 'at most this many (default 100)')
      .option('--long', 'more columns'),
  ).action(
    run(async (id: string, opts: Record<string, unknown>) => {
      const deliveries = await shell.client.webhooks.deliveries(id, {
        ...(opts.status ? { status: opts.status as 'pending' | 'delivered' | 'failed' } : {}),
        ...(opts.limit ? { limit: Number(opts.limit) } : {}),
      });
      shell.printList(
        opts.long ? [...DELIVERY_COLUMNS, ...DELIVERY_LONG] : DELIVERY_COLUMNS,
        deliveries.map(deliveryRow),
        opts,
      );
    }),
  );
  showOutput(
    webhook
      .command('ping')
      .description('send a test delivery (gimming.webhook.ping)')
      .argument('<webhook>', 'the webhook ID'),
  ).action(
    run(async (id: string, opts: Record<string, unknown>) => {
      shell.printOne({ ...(await shell.client.webhooks.ping(id)) }, opts);
    }),
  );
}
