<?php
/**
 * Settings → Whieda, "Запланированные задания". Variables: $view (see Whieda_Jobs_View::render()).
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

$statuses = array(
	'pending' => __( 'ожидает', 'whieda-bridge' ),
	'running' => __( 'выполняется', 'whieda-bridge' ),
	'failed'  => __( 'ошибка', 'whieda-bridge' ),
);
?>
<h2 id="whieda-jobs"><?php esc_html_e( 'Запланированные задания', 'whieda-bridge' ); ?></h2>
<?php if ( 'retried' === $view['notice'] ) : ?>
	<div class="notice notice-success is-dismissible"><p><?php esc_html_e( 'Задание запущено снова.', 'whieda-bridge' ); ?></p></div>
<?php elseif ( 'unchanged' === $view['notice'] ) : ?>
	<div class="notice notice-warning is-dismissible"><p><?php esc_html_e( 'Задание уже не в ошибке: ничего не изменено.', 'whieda-bridge' ); ?></p></div>
<?php elseif ( 'unknown' === $view['notice'] ) : ?>
	<div class="notice notice-warning is-dismissible"><p><?php esc_html_e( 'Такого задания у сайдкара нет: ничего не изменено.', 'whieda-bridge' ); ?></p></div>
<?php elseif ( 'unavailable' === $view['notice'] ) : ?>
	<div class="notice notice-error is-dismissible"><p><?php esc_html_e( 'Не удалось повторить задание: сайдкар недоступен, задание осталось с ошибкой. Повторите, когда сайдкар снова работает.', 'whieda-bridge' ); ?></p></div>
<?php elseif ( 'refused' === $view['notice'] ) : ?>
	<div class="notice notice-error is-dismissible"><p><?php esc_html_e( 'Не удалось повторить задание: сайдкар отказал (причина — в журнале PHP), задание осталось с ошибкой.', 'whieda-bridge' ); ?></p></div>
<?php endif; ?>
<?php if ( null === $view['jobs'] ) : ?>
	<p><?php esc_html_e( 'Таблицы заданий ещё нет: сайдкар создаст её при первом запуске.', 'whieda-bridge' ); ?></p>
<?php elseif ( array() === $view['jobs'] ) : ?>
	<p class="whieda-jobs-empty"><?php esc_html_e( 'Нет ожидающих заданий и заданий с ошибкой.', 'whieda-bridge' ); ?></p>
<?php else : ?>
	<p class="description"><?php esc_html_e( 'Сообщения Telegram, напоминания и действия для WordPress, которые сайдкар выполнит; сначала — с ошибкой. То же показывает make jobs (python -m sidecar jobs).', 'whieda-bridge' ); ?></p>
	<table class="widefat striped whieda-jobs">
		<thead>
			<tr>
				<th scope="col"><?php esc_html_e( '№', 'whieda-bridge' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Задание', 'whieda-bridge' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Статус', 'whieda-bridge' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Когда (UTC)', 'whieda-bridge' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Попыток', 'whieda-bridge' ); ?></th>
				<th scope="col"><?php esc_html_e( 'Ошибка', 'whieda-bridge' ); ?></th>
				<td></td>
			</tr>
		</thead>
		<tbody>
			<?php foreach ( $view['jobs'] as $job ) : ?>
				<tr data-job="<?php echo esc_attr( $job->id ); ?>" data-status="<?php echo esc_attr( $job->status ); ?>">
					<td><?php echo esc_html( $job->id ); ?></td>
					<td><?php echo esc_html( Whieda_Jobs_View::describe( $job ) ); ?></td>
					<td><?php echo esc_html( isset( $statuses[ $job->status ] ) ? $statuses[ $job->status ] : $job->status ); ?></td>
					<td><?php echo esc_html( substr( (string) $job->run_at, 0, 19 ) ); ?></td>
					<td><?php echo esc_html( $job->attempts ); ?></td>
					<td><?php echo esc_html( (string) $job->last_error ); ?></td>
					<td>
						<?php if ( 'failed' === $job->status ) : ?>
							<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
								<input type="hidden" name="action" value="<?php echo esc_attr( Whieda_Jobs_View::ACTION ); ?>">
								<input type="hidden" name="job" value="<?php echo esc_attr( $job->id ); ?>">
								<?php wp_nonce_field( Whieda_Jobs_View::ACTION . '_' . $job->id ); ?>
								<?php submit_button( __( 'Повторить', 'whieda-bridge' ), 'secondary small', 'whieda-job-retry', false ); ?>
							</form>
						<?php endif; ?>
					</td>
				</tr>
			<?php endforeach; ?>
		</tbody>
	</table>
<?php endif; ?>
