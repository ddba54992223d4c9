<?php
/**
 * Settings → Whieda. Variables: $view (see Whieda_Admin::render()).
 *
 * @package Whieda_Bridge
 */

defined( 'ABSPATH' ) || exit;

$config  = $view['config'];
$health  = $view['health'];
$counts  = $view['counts'];
$breaker = $view['breaker'];
$locked  = __( 'задано в wp-config.php', 'whieda-bridge' );
$checks  = array(
	'database'  => __( 'База данных', 'whieda-bridge' ),
	'memcached' => __( 'Memcached', 'whieda-bridge' ),
	'queue'     => __( 'Очередь заданий', 'whieda-bridge' ),
	'worker'    => __( 'Фоновый обработчик', 'whieda-bridge' ),
);
?>
<div class="wrap whieda-settings">
	<h1><?php esc_html_e( 'Whieda: мост вебинаров', 'whieda-bridge' ); ?></h1>

	<?php if ( 'replayed' === $view['notice'] ) : ?>
		<div class="notice notice-success is-dismissible"><p>
			<?php
			/* translators: %d: number of calls delivered. */
			echo esc_html( sprintf( __( 'Очередь повторена: доставлено вызовов — %d.', 'whieda-bridge' ), $view['count'] ) );
			?>
		</p></div>
	<?php elseif ( 'requeued' === $view['notice'] ) : ?>
		<div class="notice notice-success is-dismissible"><p>
			<?php
			/* translators: %d: number of calls put back in the queue. */
			echo esc_html( sprintf( __( 'Отклонённые вызовы возвращены в очередь: %d.', 'whieda-bridge' ), $view['count'] ) );
			?>
		</p></div>
	<?php elseif ( 'cache_enabled' === $view['notice'] ) : ?>
		<div class="notice notice-success is-dismissible"><p><?php esc_html_e( 'Объектный кеш Memcached включён; серверы очищены.', 'whieda-bridge' ); ?></p></div>
	<?php elseif ( 'cache_disabled' === $view['notice'] ) : ?>
		<div class="notice notice-success is-dismissible"><p><?php esc_html_e( 'Объектный кеш Memcached выключен.', 'whieda-bridge' ); ?></p></div>
	<?php elseif ( 'cache_error' === $view['notice'] ) : ?>
		<div class="notice notice-error is-dismissible"><p>
			<?php
			$reasons = array(
				'foreign'      => __( 'В wp-content уже есть object-cache.php другого плагина; он не тронут.', 'whieda-bridge' ),
				'no_extension' => __( 'В PHP нет расширения Memcached (пакет php-memcached).', 'whieda-bridge' ),
				'unwritable'   => __( 'WordPress не может писать в wp-content. Скопируйте dropins/object-cache.php плагина в wp-content вручную.', 'whieda-bridge' ),
			);
			echo esc_html( isset( $reasons[ $view['reason'] ] ) ? $reasons[ $view['reason'] ] : __( 'Не удалось изменить объектный кеш.', 'whieda-bridge' ) );
			?>
		</p></div>
	<?php endif; ?>
	<?php settings_errors( Whieda_Config::OPTION ); ?>

	<h2><?php esc_html_e( 'Состояние', 'whieda-bridge' ); ?></h2>
	<table class="widefat striped whieda-health" style="max-width:48rem">
		<tbody>
			<tr>
				<th scope="row"><?php esc_html_e( 'Сайдкар', 'whieda-bridge' ); ?></th>
				<td>
					<?php if ( null === $health ) : ?>
						<strong><?php esc_html_e( 'Не настроен: укажите адрес и секрет ниже.', 'whieda-bridge' ); ?></strong>
					<?php elseif ( $health['ok'] ) : ?>
						<strong class="whieda-ok" style="color:#006b1e">&#10003; <?php esc_html_e( 'Работает', 'whieda-bridge' ); ?></strong>
					<?php else : ?>
						<strong class="whieda-bad" style="color:#b32d2e">&#10007; <?php esc_html_e( 'Недоступен или неисправен', 'whieda-bridge' ); ?></strong>
						<?php if ( '' !== $health['error'] ) : ?>
							— <?php echo esc_html( $health['error'] ); ?>
						<?php endif; ?>
					<?php endif; ?>
				</td>
			</tr>
			<?php if ( null !== $health && isset( $health['data']['checks'] ) && is_array( $health['data']['checks'] ) ) : ?>
				<?php foreach ( $checks as $key => $label ) : ?>
					<?php $check = isset( $health['data']['checks'][ $key ] ) ? $health['data']['checks'][ $key ] : array(); ?>
					<tr>
						<th scope="row"><?php echo esc_html( $label ); ?></th>
						<td>
							<?php echo ! empty( $check['ok'] ) ? esc_html__( 'в порядке', 'whieda-bridge' ) : esc_html__( 'ошибка', 'whieda-bridge' ); ?>
							<?php if ( ! empty( $check['error'] ) ) : ?>
								— <?php echo esc_html( $check['error'] ); ?>
							<?php endif; ?>
							<?php if ( 'queue' === $key && isset( $check['pending'] ) ) : ?>
								<?php
								/* translators: 1: pending jobs, 2: failed jobs. */
								echo esc_html( sprintf( __( '(ожидают: %1$d, с ошибкой: %2$d)', 'whieda-bridge' ), $check['pending'], $check['failed'] ) );
								?>
							<?php endif; ?>
						</td>
					</tr>
				<?php endforeach; ?>
			<?php endif; ?>
			<tr>
				<th scope="row"><?php esc_html_e( 'Автомат защиты', 'whieda-bridge' ); ?></th>
				<td>
					<?php if ( $breaker['open_until'] > time() ) : ?>
						<?php
						/* translators: %d: seconds until the next try. */
						echo esc_html( sprintf( __( 'Разомкнут: вызовы сохраняются в очередь, следующая попытка через %d с.', 'whieda-bridge' ), $breaker['open_until'] - time() ) );
						?>
					<?php else : ?>
						<?php
						/* translators: %d: consecutive failures. */
						echo esc_html( sprintf( __( 'Замкнут (ошибок подряд: %d).', 'whieda-bridge' ), $breaker['failures'] ) );
						?>
					<?php endif; ?>
				</td>
			</tr>
			<tr>
				<th scope="row"><?php esc_html_e( 'Очередь вызовов (outbox)', 'whieda-bridge' ); ?></th>
				<td class="whieda-outbox">
					<?php
					/* translators: 1: pending calls, 2: refused calls. */
					echo esc_html( sprintf( __( 'Ожидают отправки: %1$d. Отклонены сайдкаром: %2$d.', 'whieda-bridge' ), $counts['pending'], $counts['failed'] ) );
					?>
					<?php if ( $counts['oldest'] ) : ?>
						<?php
						/* translators: %s: date and time (UTC). */
						echo esc_html( sprintf( __( 'Самый старый: %s UTC.', 'whieda-bridge' ), $counts['oldest'] ) );
						?>
					<?php endif; ?>
				</td>
			</tr>
		</tbody>
	</table>

	<p>
		<?php Whieda_Admin::action_button( 'whieda_replay', __( 'Отправить очередь сейчас', 'whieda-bridge' ), 'whieda-replay' ); ?>
		<?php if ( $counts['failed'] > 0 ) : ?>
			<?php Whieda_Admin::action_button( 'whieda_requeue', __( 'Вернуть отклонённые в очередь', 'whieda-bridge' ), 'whieda-requeue' ); ?>
		<?php endif; ?>
	</p>

	<?php if ( ! empty( $view['errors'] ) ) : ?>
		<h2><?php esc_html_e( 'Последние ошибки', 'whieda-bridge' ); ?></h2>
		<table class="widefat striped whieda-errors">
			<thead>
				<tr>
					<th scope="col"><?php esc_html_e( 'Хук', 'whieda-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Событие', 'whieda-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Статус', 'whieda-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Попыток', 'whieda-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Ошибка', 'whieda-bridge' ); ?></th>
					<th scope="col"><?php esc_html_e( 'Когда (UTC)', 'whieda-bridge' ); ?></th>
				</tr>
			</thead>
			<tbody>
				<?php foreach ( $view['errors'] as $row ) : ?>
					<tr>
						<td><code><?php echo esc_html( $row->hook ); ?></code></td>
						<td><code><?php echo esc_html( $row->event_id ); ?></code></td>
						<td><?php echo 'failed' === $row->status ? esc_html__( 'отклонён', 'whieda-bridge' ) : esc_html__( 'ожидает', 'whieda-bridge' ); ?></td>
						<td><?php echo esc_html( $row->attempts ); ?></td>
						<td><?php echo esc_html( $row->last_error ); ?></td>
						<td><?php echo esc_html( $row->updated_at ); ?></td>
					</tr>
				<?php endforeach; ?>
			</tbody>
		</table>
	<?php endif; ?>

	<?php do_action( 'whieda_admin_sections' ); // More sections: the scheduled jobs (Whieda_Jobs_View). ?>

	<h2><?php esc_html_e( 'Объектный кеш (Memcached)', 'whieda-bridge' ); ?></h2>
	<?php
	$cache  = $view['cache'];
	$states = array(
		'none'     => __( 'Не установлен: WordPress кеширует только в пределах запроса.', 'whieda-bridge' ),
		'ours'     => __( 'Включён: drop-in Whieda, Memcached.', 'whieda-bridge' ),
		'outdated' => __( 'Включён, но устарел: установите заново, чтобы обновить.', 'whieda-bridge' ),
		'foreign'  => __( 'Установлен object-cache.php другого плагина; Whieda его не трогает.', 'whieda-bridge' ),
	);
	?>
	<table class="widefat striped whieda-object-cache" style="max-width:48rem">
		<tbody>
			<tr>
				<th scope="row"><?php esc_html_e( 'Drop-in', 'whieda-bridge' ); ?></th>
				<td class="whieda-cache-state" data-state="<?php echo esc_attr( $cache['state'] ); ?>"><?php echo esc_html( $states[ $cache['state'] ] ); ?></td>
			</tr>
			<tr>
				<th scope="row"><?php esc_html_e( 'Серверы', 'whieda-bridge' ); ?></th>
				<td>
					<code><?php echo esc_html( $cache['servers'] ); ?></code>
					<?php if ( ! $cache['extension'] ) : ?>
						— <?php esc_html_e( 'в PHP нет расширения Memcached', 'whieda-bridge' ); ?>
					<?php elseif ( $cache['reachable'] ) : ?>
						— <?php esc_html_e( 'отвечают', 'whieda-bridge' ); ?>
					<?php else : ?>
						— <?php esc_html_e( 'не отвечают', 'whieda-bridge' ); ?>
					<?php endif; ?>
					<p class="description"><?php esc_html_e( 'Список задаёт WHIEDA_MEMCACHED в wp-config.php; у сайдкара он тот же. Префикс ключей — WP_CACHE_KEY_SALT (у сайдкара WHIEDA_WP_CACHE_SALT).', 'whieda-bridge' ); ?></p>
				</td>
			</tr>
		</tbody>
	</table>
	<?php if ( $cache['may'] && 'foreign' !== $cache['state'] ) : ?>
		<p>
			<?php if ( 'ours' !== $cache['state'] && $cache['extension'] ) : ?>
				<?php Whieda_Admin::action_button( 'whieda_object_cache_enable', 'outdated' === $cache['state'] ? __( 'Обновить drop-in', 'whieda-bridge' ) : __( 'Включить объектный кеш', 'whieda-bridge' ), 'whieda-cache-enable' ); ?>
			<?php endif; ?>
			<?php if ( 'none' !== $cache['state'] ) : ?>
				<?php Whieda_Admin::action_button( 'whieda_object_cache_disable', __( 'Выключить объектный кеш', 'whieda-bridge' ), 'whieda-cache-disable' ); ?>
			<?php endif; ?>
		</p>
	<?php endif; ?>

	<h2><?php esc_html_e( 'Подключение к сайдкару', 'whieda-bridge' ); ?></h2>
	<form method="post" action="<?php echo esc_url( admin_url( 'options.php' ) ); ?>">
		<?php settings_fields( Whieda_Admin::PAGE ); ?>
		<table class="form-table" role="presentation">
			<tr>
				<th scope="row"><label for="whieda-sidecar-url"><?php esc_html_e( 'Адрес сайдкара', 'whieda-bridge' ); ?></label></th>
				<td>
					<input type="url" class="regular-text code" id="whieda-sidecar-url" name="<?php echo esc_attr( Whieda_Config::OPTION ); ?>[sidecar_url]" value="<?php echo esc_attr( $config->sidecar_url() ); ?>" placeholder="http://127.0.0.1:8765" <?php disabled( $config->is_locked( 'sidecar_url' ) ); ?>>
					<?php if ( $config->is_locked( 'sidecar_url' ) ) : ?>
						<p class="description"><?php echo esc_html( $locked ); ?> (WHIEDA_SIDECAR_URL)</p>
					<?php endif; ?>
				</td>
			</tr>
			<tr>
				<th scope="row"><label for="whieda-secret"><?php esc_html_e( 'Общий секрет', 'whieda-bridge' ); ?></label></th>
				<td>
					<?php if ( $config->is_locked( 'secret' ) ) : ?>
						<code><?php echo esc_html( $view['secret'] ); ?></code>
						<p class="description"><?php echo esc_html( $locked ); ?> (WHIEDA_SECRET)</p>
					<?php else : ?>
						<input type="password" class="regular-text code" id="whieda-secret" name="<?php echo esc_attr( Whieda_Config::OPTION ); ?>[secret]" value="" autocomplete="new-password" aria-describedby="whieda-secret-help">
						<p class="description" id="whieda-secret-help">
							<?php if ( '' !== $view['secret'] ) : ?>
								<?php
								/* translators: %s: masked secret. */
								echo esc_html( sprintf( __( 'Задан: %s. Оставьте поле пустым, чтобы не менять его.', 'whieda-bridge' ), $view['secret'] ) );
								?>
							<?php else : ?>
								<?php esc_html_e( 'Тот же, что WHIEDA_SECRET сайдкара; не короче 16 символов.', 'whieda-bridge' ); ?>
							<?php endif; ?>
						</p>
					<?php endif; ?>
				</td>
			</tr>
			<tr>
				<th scope="row"><label for="whieda-timeout"><?php esc_html_e( 'Таймаут вызова, мс', 'whieda-bridge' ); ?></label></th>
				<td><input type="number" min="50" max="10000" id="whieda-timeout" name="<?php echo esc_attr( Whieda_Config::OPTION ); ?>[timeout_ms]" value="<?php echo esc_attr( (string) round( $config->timeout() * 1000 ) ); ?>" <?php disabled( $config->is_locked( 'timeout_ms' ) ); ?>></td>
			</tr>
			<tr>
				<th scope="row"><label for="whieda-connect-timeout"><?php esc_html_e( 'Таймаут соединения, мс', 'whieda-bridge' ); ?></label></th>
				<td><input type="number" min="10" max="5000" id="whieda-connect-timeout" name="<?php echo esc_attr( Whieda_Config::OPTION ); ?>[connect_timeout_ms]" value="<?php echo esc_attr( (string) $config->connect_timeout_ms() ); ?>" <?php disabled( $config->is_locked( 'connect_timeout_ms' ) ); ?>></td>
			</tr>
			<tr>
				<th scope="row"><?php esc_html_e( 'При удалении плагина', 'whieda-bridge' ); ?></th>
				<td>
					<fieldset <?php disabled( $config->is_locked( 'uninstall_viewing' ) ); ?>>
						<legend class="screen-reader-text"><?php esc_html_e( 'Что делать с прогрессом просмотра записей при удалении плагина', 'whieda-bridge' ); ?></legend>
						<label><input type="radio" name="<?php echo esc_attr( Whieda_Config::OPTION ); ?>[uninstall_viewing]" value="keep" <?php checked( ! $config->uninstall_removes_viewing() ); ?>> <?php esc_html_e( 'Сохранить прогресс просмотра записей (рекомендуется)', 'whieda-bridge' ); ?></label><br>
						<label><input type="radio" name="<?php echo esc_attr( Whieda_Config::OPTION ); ?>[uninstall_viewing]" value="remove" <?php checked( $config->uninstall_removes_viewing() ); ?>> <?php esc_html_e( 'Удалить прогресс просмотра записей у всех пользователей', 'whieda-bridge' ); ?></label>
						<p class="description"><?php esc_html_e( 'Прогресс — это семь полей autowebinar_* в профилях пользователей (сеанс, позиция, процент, завершение, клик по кнопке, время). Другие данные пользователей не затрагиваются. Таблицы и настройки моста удаляются всегда.', 'whieda-bridge' ); ?></p>
						<?php if ( $config->is_locked( 'uninstall_viewing' ) ) : ?>
							<p class="description"><?php echo esc_html( $locked ); ?> (WHIEDA_UNINSTALL_VIEWING)</p>
						<?php endif; ?>
					</fieldset>
				</td>
			</tr>
		</table>
		<?php submit_button( __( 'Сохранить', 'whieda-bridge' ) ); ?>
	</form>
</div>
